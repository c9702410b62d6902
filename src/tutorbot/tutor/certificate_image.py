"""The certificate as a PNG: course, learner, date, score, id and how to verify it.

Drawn in memory with matplotlib's Agg canvas (no display, no files); CPU-bound for about
100 ms, so adapters run it in a thread. matplotlib is imported on first use, not at start-up.
"""

from __future__ import annotations

import io
import textwrap
from typing import Any

from tutorbot.tutor.certificates import IssuedCertificate

WIDTH, HEIGHT, DPI = 12.0, 8.5, 100  # inches: a landscape page, 1200 x 850 pixels
INK, ACCENT, MUTED, PAPER = "#1f2937", "#3b5bdb", "#6b7280", "#fdfcf7"


def certificate_png(cert: IssuedCertificate, course_title: str) -> bytes:
    """The certificate image; the same certificate always draws the same picture."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI, facecolor=PAPER)
    FigureCanvasAgg(figure)
    ax = figure.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.axis("off")
    for inset, width in ((0.025, 3.0), (0.04, 0.8)):
        ax.add_patch(
            Rectangle(
                (inset, inset * WIDTH / HEIGHT),
                1 - 2 * inset,
                1 - 2 * inset * WIDTH / HEIGHT,
                fill=False,
                edgecolor=ACCENT,
                linewidth=width,
            )
        )

    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    room = 0.84 * WIDTH * DPI

    def line(y: float, text: str, size: int, colour: str = INK, **style: Any) -> None:
        ax.text(0.5, y, text, ha="center", va="center", fontsize=size, color=colour, **style)

    def fitted(y: float, text: str, size: int, colour: str = INK) -> None:
        """Long names and titles shrink, then wrap, instead of running off the page."""
        shown = ax.text(
            0.5, y, text, ha="center", va="center", fontsize=size, color=colour, ma="center"
        )
        shown.set_fontweight("bold")
        while shown.get_window_extent(renderer).width > room and size > 20:
            size -= 2
            shown.set_fontsize(size)
        if shown.get_window_extent(renderer).width > room:
            shown.set_text("\n".join(textwrap.wrap(text, width=60)[:2]))

    line(0.86, "CERTIFICATE OF COMPLETION", 30, ACCENT, fontweight="bold")
    line(0.78, "This certifies that", 16, MUTED, style="italic")
    fitted(0.69, cert.learner_name, 40)
    line(0.59, "has completed the course", 16, MUTED, style="italic")
    fitted(0.50, course_title, 30, ACCENT)
    line(
        0.40,
        f"version {cert.course_version}  ·  final assessment score {cert.score:.0%}  ·  "
        f"{cert.issued_at:%d %B %Y}",
        15,
    )
    ax.plot([0.3, 0.7], [0.33, 0.33], color=MUTED, linewidth=0.6)
    line(0.25, f"Certificate id  {cert.id}", 22, INK, family="monospace", fontweight="bold")
    line(
        0.17,
        f"Verify it: /verify {cert.id} on Discord, or: tutorbot certificate verify {cert.id}",
        13,
        MUTED,
    )
    line(0.12, f"Signed (HMAC-SHA256)  {cert.signature[:32]}…", 11, MUTED, family="monospace")
    if cert.revoked_at is not None:
        line(0.5, "REVOKED", 110, "#c92a2a", alpha=0.35, rotation=20, fontweight="bold")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", facecolor=PAPER)
    return buffer.getvalue()
