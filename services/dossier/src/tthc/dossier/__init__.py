"""Dossier service: dossiers (hồ sơ TTHC), lifecycle, procedure catalogue, provincial feed."""
