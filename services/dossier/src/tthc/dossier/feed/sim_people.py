"""Fake applicants for the simulator: Vietnamese-looking names with clearly fake identifiers.

ID numbers start with ``000`` (no province has code 000), phone numbers with ``0000`` and e-mail addresses
use the reserved ``example.invalid`` domain, so no generated value can belong to a real person.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass

FAMILY_NAMES: tuple[str, ...] = (
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
)
FAMILY_NAMES += ("Hồ", "Ngô", "Dương", "Lý")
MIDDLE_NAMES = ("Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quốc", "Thu", "Xuân")
GIVEN_NAMES: tuple[str, ...] = (
    "An",
    "Bình",
    "Châu",
    "Dũng",
    "Giang",
    "Hà",
    "Hải",
    "Hạnh",
    "Hoa",
    "Hùng",
    "Khánh",
    "Lan",
)
GIVEN_NAMES += (
    "Linh",
    "Long",
    "Mai",
    "Nam",
    "Nga",
    "Phúc",
    "Quân",
    "Sơn",
    "Tâm",
    "Thảo",
    "Trang",
    "Tuấn",
    "Vy",
)
COMPANY_WORDS = ("Phú Quang", "Sa Huỳnh", "Đức Phổ", "Trà Khúc", "Thiên Ấn", "Minh Long", "An Phát")


@dataclass(frozen=True)
class FakeApplicant:
    """A made-up applicant (ChuHoSo) with fake identifiers; ``kind`` is the LoaiDoiTuong code."""

    name: str
    id_number: str
    phone: str
    email: str
    kind: int


def fake_applicant(rng: random.Random, business_share: float = 0.08) -> FakeApplicant:
    """A person (LoaiDoiTuong 1) or, now and then, a business (2), drawn from ``rng``."""
    if rng.random() < business_share:
        name = f"Công ty TNHH {rng.choice(COMPANY_WORDS)} (mẫu)"
        return FakeApplicant(name, f"000{rng.randrange(10**7):07d}", _phone(rng), _email(name, rng), kind=2)
    name = f"{rng.choice(FAMILY_NAMES)} {rng.choice(MIDDLE_NAMES)} {rng.choice(GIVEN_NAMES)}"
    return FakeApplicant(name, f"000{rng.randrange(10**9):09d}", _phone(rng), _email(name, rng), kind=1)


def _phone(rng: random.Random) -> str:
    return f"0000{rng.randrange(10**6):06d}"


def _email(name: str, rng: random.Random) -> str:
    ascii_name = unicodedata.normalize("NFKD", name.replace("Đ", "D").replace("đ", "d"))
    slug = "".join(ch for ch in ascii_name if ch.isascii() and ch.isalnum()).lower()[:20]
    return f"{slug}{rng.randrange(1000)}@example.invalid"
