"""Letter rendering benchmark: PDFs/s with the CID font and with an embedded TrueType font, DOCX/s,
all on one core; then a batch over all cores with a progress bar; and, when LibreOffice is installed,
the ratio against LibreOffice converting the same DOCX to PDF.

Run: python benchmarks/bench_letters.py [--letters 200] [--batch 400]
The data generator below builds a one-page Chinese demand letter with a 10-row item table.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.progress import Progress

from letters import TemplateCatalog, render_letter, shipped_templates_dir
from letters.fonts import SYSTEM_FONTS


def demand_data(seed: int, rows: int = 10) -> dict[str, Any]:
    """A realistic zh_CN demand letter's data; ``seed`` varies names and amounts per debtor."""
    items = []
    for row in range(rows):
        amount = Decimal(1000 + (seed * 37 + row * 911) % 90000) + Decimal("0.50")
        paid = Decimal(0) if row % 3 else Decimal(500)
        items.append({"number": f"FP-2026-{seed:04d}-{row:02d}", "issue_date": "2026-06-15",
                      "due_date": "2026-07-15", "amount": str(amount), "paid": str(paid),
                      "open": str(amount - paid), "days_overdue": 137 - row})
    total = sum(Decimal(i["amount"]) for i in items)
    paid = sum(Decimal(i["paid"]) for i in items)
    return {
        "letterhead": {"name": "上海恒信机电设备有限公司", "address": "上海市浦东新区张江路1288号", "phone": "021-5888 6600"},
        "letter_number": f"〔2026〕催字第{seed:04d}号", "date": "2026-11-29",
        "recipient": {"name": "王建国", "title": "财务总监", "company": f"杭州明达建设工程有限公司{seed}分公司",
                      "address": "浙江省杭州市西湖区文三路477号"},
        "debtor": {"name": f"杭州明达建设工程有限公司{seed}分公司"},
        "contract": {"number": f"HX-2026-{seed:03d}", "name": "设备买卖合同", "date": "2026-05-10"},
        "currency": "CNY", "items": items,
        "totals": {"amount": str(total), "paid": str(paid), "open": str(total - paid)},
        "interest": [], "interest_basis": "", "interest_total": "0",
        "payment": {"bank": "中国工商银行上海张江支行", "account": "1001 2345 6789 0123 456",
                    "account_name": "上海恒信机电设备有限公司"},
        "deadline": "2026-12-15", "contact": {"name": "李敏", "phone": "021-5888 6612"},
    }


def _info() -> Any:
    return TemplateCatalog([shipped_templates_dir()]).get("demand", "zh_CN")


def rate(formats: Sequence[str], font: Any, count: int) -> float:
    """Letters per CPU-second on this core (warm: styles and fonts already built)."""
    info = _info()
    render_letter(info, demand_data(0), formats, font=font)
    start = time.process_time()
    for seed in range(count):
        render_letter(info, demand_data(seed), formats, font=font)
    return count / (time.process_time() - start)


def _render_one(seed: int) -> int:
    letter = render_letter(_info(), demand_data(seed), ("pdf", "docx"))
    return sum(len(b) for b in letter.files.values())


def batch(count: int) -> float:
    """PDF+DOCX letters per wall-clock second over all cores, with a progress bar."""
    start = time.perf_counter()
    with ProcessPoolExecutor(os.cpu_count()) as pool, Progress() as progress:
        task = progress.add_task(f"rendering {count} letters on {os.cpu_count()} cores", total=count)
        for _ in pool.map(_render_one, range(count), chunksize=8):
            progress.advance(task)
    return count / (time.perf_counter() - start)


def libreoffice_rate(count: int) -> float | None:
    """DOCX->PDF conversions per second by LibreOffice in one batch call, or None without LibreOffice."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        return None
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for seed in range(count):
            path = Path(folder) / f"letter{seed}.docx"
            path.write_bytes(render_letter(_info(), demand_data(seed), ("docx",)).files["docx"])
            paths.append(str(path))
        start = time.perf_counter()
        subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir", folder, *paths],
                       capture_output=True, check=True, timeout=1800)
        return count / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=200, help="letters per single-core measurement")
    parser.add_argument("--batch", type=int, default=400, help="letters in the all-cores batch")
    args = parser.parse_args()
    truetype = next((Path(p) for p in SYSTEM_FONTS if Path(p).is_file()), None)
    cid = rate(("pdf",), "cid", args.letters)
    print(f"PDF, built-in CID font (STSong-Light), one core: {cid:6.1f} letters/s  (target >= 60)")
    if truetype is not None:
        ttf = rate(("pdf",), truetype, args.letters)
        print(f"PDF, embedded TrueType ({truetype.name}), one core: {ttf:6.1f} letters/s  (target >= 30)")
    else:
        print("PDF, embedded TrueType: skipped, no TrueType CJK font installed")
    docx = rate(("docx",), None, args.letters)
    print(f"DOCX, one core: {docx:6.1f} letters/s  (target >= 30)")
    print(f"PDF+DOCX batch, all {os.cpu_count()} cores: {batch(args.batch):6.1f} letters/s")
    office = libreoffice_rate(min(50, args.letters))
    if office is None:
        print("LibreOffice not installed: no DOCX->PDF comparison")
    else:
        print(f"LibreOffice DOCX->PDF, batch of 50: {office:6.2f}/s; reportlab is {cid / office:5.1f}x faster (CID)")


if __name__ == "__main__":
    main()
