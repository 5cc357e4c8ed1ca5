"""A CJK font for the PDFs we write, so names and comments in Chinese are embedded, not boxes.

The PDF core fonts (Helvetica) cover Latin-1 only. ACORN embeds WenQuanYi Micro Hei from Debian's
`fonts-wqy-microhei` (or Noto Sans CJK from `fonts-noto-cjk`; `ACORN_PDF_CJK_FONT` names another
TrueType/OpenType file). Without one, PDFs are still written in Helvetica, every character outside
Latin-1 becomes "?", and a warning in the log names the package to install.
"""

import logging
import os
from functools import cache
from pathlib import Path

logger = logging.getLogger(__name__)

FAMILY = "acorn-cjk"
# (file, face index in a collection)
CANDIDATES = (
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),  # face 2: Simplified Chinese
)
MISSING_HINT = "no CJK font for PDFs: apt-get install fonts-wqy-microhei (or set ACORN_PDF_CJK_FONT)"


@cache
def cjk_font() -> tuple[Path, int] | None:
    """The CJK font file to embed and its face index, or None when the machine has none."""
    configured = os.environ.get("ACORN_PDF_CJK_FONT", "")
    candidates = ((configured, 0),) if configured else CANDIDATES
    for path, index in candidates:
        if Path(path).is_file():
            return Path(path), index
    if configured:
        raise FileNotFoundError(f"ACORN_PDF_CJK_FONT={configured} does not exist")
    logger.warning(MISSING_HINT)
    return None


class PdfText:
    """Set fonts and clean text for one FPDF document: the CJK font when there is one, else Helvetica."""

    def __init__(self, pdf):
        self.pdf = pdf
        font = cjk_font()
        self.cjk = font is not None
        if self.cjk:
            path, index = font
            pdf.add_font(FAMILY, "", str(path), collection_font_number=index)

    def font(self, size: float, *, bold: bool = False) -> None:
        if self.cjk:
            self.pdf.set_font(FAMILY, "", size)  # the CJK face has no bold: size carries the emphasis
        else:
            self.pdf.set_font("Helvetica", "B" if bold else "", size)

    def text(self, value) -> str:
        if self.cjk:
            return str(value)
        return str(value).encode("latin-1", errors="replace").decode("latin-1")
