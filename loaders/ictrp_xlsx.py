"""WHO ICTRP trial list saved as an Excel workbook; read by ``ictrp_table.read_xlsx``."""

from __future__ import annotations

from celltx.loaders.ictrp_table import read_xlsx as read

__all__ = ["read"]
