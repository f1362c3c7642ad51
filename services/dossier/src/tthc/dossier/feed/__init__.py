"""Provincial feed intake: the national dossier-sync payload (HoSoDongBoDVC) turned into dossier commands.

Modules: ``payload`` (the wire records, national field names), ``dates`` (``yyyyMMddHHmmss`` in
Asia/Ho_Chi_Minh), ``validation`` (per-field problems), ``translate`` (record + known state → missing
commands), ``store`` (parked history items, fingerprints of records taken), ``auth`` (per-unit tokens),
``intake`` (the use case), ``simulator`` (a deterministic provincial feed).
"""
