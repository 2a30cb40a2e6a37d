"""Script runs, bidi, markup escaping and once-per-process font registration."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import unicodedata
from pathlib import Path

from hmis_desktop.reports import fonts

ROOT = Path(__file__).resolve().parents[1]


def _run(code: str) -> None:
    """Run ``code`` in a fresh interpreter, where no font is registered yet."""
    subprocess.run([sys.executable, "-c", textwrap.dedent(code)], check=True, cwd=ROOT, timeout=120)


def test_latin_greek_cyrillic_stay_in_noto_sans() -> None:
    runs = fonts.line_runs("Zoë Núñez-Ångström Αθηνά Пётр")
    assert [r.font for r in runs] == [fonts.SANS]
    assert runs[0].text == "Zoë Núñez-Ångström Αθηνά Пётр"
    assert [r.font for r in fonts.line_runs("Zoë", bold=True)] == [fonts.SANS_BOLD]


def test_arabic_is_shaped_reordered_and_in_the_arabic_font() -> None:
    runs = fonts.line_runs("محمد عبد الله")
    assert [r.font for r in runs] == [fonts.ARABIC]  # the spaces stay inside the Arabic run
    visual = runs[0].text
    assert all(0xFB50 <= ord(c) <= 0xFEFF or c == " " for c in visual)  # presentation forms only
    # Visual order: the first logical word (محمد) is drawn last, at the right.
    assert unicodedata.normalize("NFKC", visual.split(" ")[-1])[::-1] == "محمد"
    assert fonts.is_rtl("محمد عبد الله") and not fonts.is_rtl("Zoë محمد")


def test_cjk_and_hangul_get_fonts_that_have_their_glyphs() -> None:
    assert [r.font for r in fonts.line_runs("李小龍")] == [fonts.CJK]
    assert [r.font for r in fonts.line_runs("やまだ タロウ")] == [fonts.CJK]
    # DroidSansFallbackFull has no Hangul syllables: they must fall through to DroidSansFallback.
    assert [r.font for r in fonts.line_runs("김민준")] == [fonts.CJK_HANGUL]


def test_mixed_string_is_split_into_runs_in_order() -> None:
    runs = fonts.line_runs("Dr Zoë 李小龍 محمد (MRN 12)")
    assert [r.font for r in runs] == [fonts.SANS, fonts.CJK, fonts.ARABIC, fonts.SANS]
    assert runs[0].text == "Dr Zoë "
    assert runs[1].text.strip() == "李小龍"
    assert unicodedata.normalize("NFKC", runs[2].text).strip(" (")[::-1] == "محمد"  # reversed in place
    assert runs[3].text.endswith("MRN 12)")


def test_markup_escapes_and_keeps_newlines() -> None:
    markup = fonts.markup("a<b>&c\nsecond")
    assert "a&lt;b&gt;&amp;c" in markup
    assert "<br/>" in markup
    assert "<b>" not in markup


def test_bidi_marks_and_controls_are_not_drawn() -> None:
    text = "\u200f-1,234.50\xa0US$\u200e"
    drawn = "".join(r.text for r in fonts.line_runs(fonts.clean(text)))
    assert "\u200f" not in drawn and "\u200e" not in drawn
    assert "1,234.50" in drawn
    assert fonts.clean("a\x00b\x07c") == "abc"


def test_rtl_text_is_wrapped_before_reordering() -> None:
    words = "محمد عبد الله بن سعيد"
    lines = fonts.wrap_logical(words, 40, 10)
    assert len(lines) > 1
    assert lines[0].startswith("محمد")  # the first words stay on the first line
    assert " ".join(lines) == words


def test_text_width_measures_each_run_in_its_own_font() -> None:
    assert fonts.text_width("李小龍", 10) > fonts.text_width("iii", 10)
    assert fonts.text_width("ab\nabcdef", 10) == fonts.text_width("abcdef", 10)


def test_registration_is_once_per_process_and_thread_safe() -> None:
    _run(
        """
        import threading
        from datetime import date
        from reportlab.pdfbase import pdfmetrics
        from hmis_desktop.reports import fonts, render_recovery_key_pdf

        calls = []
        original = pdfmetrics.registerFont
        def counting(font):
            calls.append(font.fontName)
            return original(font)
        pdfmetrics.registerFont = counting

        barrier = threading.Barrier(8)
        results, errors = {}, []
        def work(i):
            try:
                barrier.wait()
                fonts.ensure_fonts()
                fonts.line_runs("李小龍 김민준")
                key = f"KEY{i}-ABCD"
                results[i] = render_recovery_key_pdf(clinic_name="C", recovery_key=key, created=date(2026, 1, 1))
            except Exception as exc:
                errors.append(exc)
        threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
        for t in threads: t.start()
        for t in threads: t.join()
        assert not errors, errors
        assert sorted(calls) == sorted(set(calls)), calls  # nothing registered twice
        assert set(calls) == {fonts.SANS, fonts.SANS_BOLD, fonts.ARABIC, fonts.ARABIC_BOLD, fonts.MONO,
                              fonts.CJK, fonts.CJK_HANGUL}, calls
        assert len(results) == 8 and all(r.startswith(b"%PDF-") for r in results.values())
        """
    )


def test_cjk_fonts_load_only_when_needed() -> None:
    _run(
        """
        from hmis_desktop.reports import fonts
        fonts.line_runs("Zoë محمد")
        assert fonts.CJK not in fonts._loaded and fonts.CJK_HANGUL not in fonts._loaded
        fonts.line_runs("李")
        assert fonts.CJK in fonts._loaded
        """
    )


def test_missing_font_file_is_a_clear_error() -> None:
    _run(
        """
        import tempfile
        from pathlib import Path
        from hmis_desktop.reports import fonts
        fonts.FONTS_DIR = Path(tempfile.mkdtemp())
        try:
            fonts.ensure_fonts()
        except fonts.FontsMissingError as exc:
            assert "NotoSans-Regular.ttf" in str(exc)
        else:
            raise AssertionError("no error for a missing font")
        """
    )


def test_model_imports_without_the_pdf_stack() -> None:
    _run(
        """
        import sys
        import hmis_desktop.reports.model
        assert "reportlab" not in sys.modules and "babel.numbers" not in sys.modules
        from hmis_desktop.reports import render_invoice_pdf
        assert "reportlab" in sys.modules and callable(render_invoice_pdf)
        """
    )
