"""Stamp a header line and footer lines (with "page x / y") on every page of a PDF.

wkhtmltopdf builds without patched Qt (Debian's) ignore HTML headers and footers;
stamping after rendering gives every page its identification whatever the build.
Uses reportlab and PyPDF2, which Odoo already depends on.
"""

import io

from PyPDF2 import PdfReader, PdfWriter
from PyPDF2.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas


def _latin1(text: str) -> str:
    return text.encode("latin-1", "replace").decode("latin-1")


def stamp_pages(pdf: bytes, header: str, footer_lines, page_label="page %(page)s / %(pages)s") -> bytes:
    """``footer_lines`` may contain ``%(page)s`` / ``%(pages)s``; so may ``page_label``."""
    reader = PdfReader(io.BytesIO(pdf))
    writer = PdfWriter()
    pages = len(reader.pages)
    for number, page in enumerate(reader.pages, start=1):
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        buffer = io.BytesIO()
        overlay = canvas.Canvas(buffer, pagesize=(width, height))
        overlay.setFillGray(0.3)
        values = {"page": number, "pages": pages}
        if header:
            overlay.setFont("Helvetica", 7.5)
            overlay.drawString(12 * mm, height - 9 * mm, _latin1(header))
            overlay.setLineWidth(0.4)
            overlay.line(12 * mm, height - 10.5 * mm, width - 12 * mm, height - 10.5 * mm)
        overlay.setFont("Helvetica", 7)
        overlay.line(12 * mm, 14 * mm, width - 12 * mm, 14 * mm)
        y = 10.5 * mm
        for line in footer_lines:
            overlay.drawString(12 * mm, y, _latin1(line % values if "%(" in line else line))
            y -= 3.5 * mm
        overlay.drawRightString(width - 12 * mm, 10.5 * mm, _latin1(page_label % values))
        overlay.save()
        writer.add_page(page)
        _append_overlay(writer, writer.pages[-1], PdfReader(io.BytesIO(buffer.getvalue())).pages[0], number)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def _stream(writer, data: bytes):
    stream = DecodedStreamObject()
    stream.set_data(data)
    return writer._add_object(stream)


def _append_overlay(writer, page, overlay_page, number):
    """Draw ``overlay_page`` over ``page`` as a form XObject.

    Unlike ``merge_page``, the page's own (large) content stream is never parsed:
    its content is wrapped in ``q … Q`` and followed by one ``Do`` of the overlay.
    """
    form = DecodedStreamObject()
    form.set_data(overlay_page["/Contents"].get_object().get_data())
    form.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): overlay_page.mediabox,
            NameObject("/Resources"): overlay_page["/Resources"],
        }
    )
    name = NameObject(f"/CrStamp{number}")
    resources = page["/Resources"].get_object()
    xobjects = resources.get("/XObject")
    if xobjects is None:
        xobjects = DictionaryObject()
        resources[NameObject("/XObject")] = xobjects
    xobjects.get_object()[name] = writer._add_object(form)
    contents = page["/Contents"].get_object()
    original = list(contents) if isinstance(contents, ArrayObject) else [page["/Contents"]]
    page[NameObject("/Contents")] = ArrayObject(
        [_stream(writer, b"q\n"), *original, _stream(writer, b"\nQ\nq " + name.encode() + b" Do Q\n")]
    )
