"""Small hand-made exports for the reader tests (written into tmp_path, never copied data)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import xlsxwriter

VINFO_MB = ["VM", "Powerstate", "Template", "CPUs", "Memory", "NICs", "Disks", "Provisioned MB",
            "In Use MB", "Datacenter", "Cluster", "Host",
            "OS according to the configuration file", "OS according to the VMware Tools"]
VINFO_ROWS: list[list[object]] = [
    ["dc01", "poweredOn", "False", 2, 8192, 1, 1, 102400, 51200, "DC1", "C1", "esx1", "", ""],
    ["dc02", "poweredOn", "False", 2, 8192, 1, 1, 102400, 51200, "DC1", "C1", "esx2", "", ""],
    ["sql01", "poweredOn", "False", 8, 65536, 1, 3, 1048576, 524288, "DC1", "C1", "esx1", "",
     ""],
    ["old01", "poweredOff", "False", 1, 2048, 1, 1, 40960, 0, "DC1", "C1", "esx2", "", ""],
    ["tmpl-w2k19", "poweredOff", "True", 2, 4096, 1, 1, 40960, 20480, "DC1", "C1", "esx2", "",
     ""],
    ["vdi01", "poweredOn", "False", 2, 4096, 1, 1, 61440, 30720, "DC1", "C1", "esx2",
     "Microsoft Windows 10 (64-bit)", ""],
]
VHOST = ["Host", "Datacenter", "Cluster", "# CPU", "Cores per CPU", "# Cores", "# Memory",
         "# VMs", "# vCPUs", "vCPUs per Core", "vRAM"]
VHOST_ROWS: list[list[object]] = [["esx1", "DC1", "C1", 2, 8, 16, 262144, 2, 10, 0.625, 73728],
                                  ["esx2", "DC1", "C1", 2, 8, 16, 262144, 4, 7, 0.4375, 18432]]
VDISK = ["VM", "Powerstate", "Template", "Disk", "Capacity MiB"]
VDISK_ROWS: list[list[object]] = [["sql01", "poweredOn", "False", "Hard disk 1", 102400],
                                  ["sql01", "poweredOn", "False", "Hard disk 2", 946176]]
VPART = ["VM", "Powerstate", "Template", "Disk", "Capacity MiB", "Consumed MiB", "Free MiB"]
VPART_ROWS: list[list[object]] = [["sql01", "poweredOn", "False", "C:\\", 102000, 40000, 62000]]


def csv_text(header: Sequence[object], rows: Sequence[Sequence[object]], sep: str = ",") -> str:
    """Rows as CSV text (values must not contain the separator unless quoted by the caller)."""
    return "\n".join(sep.join(str(c) for c in r) for r in [header, *rows]) + "\n"


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """A workbook with the given sheets (first row = header), strings kept as strings."""
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False,
                                         "strings_to_numbers": False})
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if v is None:
                    continue
                if isinstance(v, str):
                    ws.write_string(r, c, v)
                else:
                    ws.write(r, c, v)
    wb.close()
    return path


def rvtools_workbook(path: Path, *, mib: bool = False) -> Path:
    """An RVTools-like workbook: vInfo, vDisk, vPartition, vHost."""
    header = [h.replace(" MB", " MiB") if mib else h for h in VINFO_MB]
    return write_xlsx(path, {"vInfo": [header, *VINFO_ROWS], "vDisk": [VDISK, *VDISK_ROWS],
                             "vPartition": [VPART, *VPART_ROWS],
                             "vHost": [VHOST, *VHOST_ROWS]})
