"""Several archival PDFs made one (the year's bundle), still an archival PDF.

The documents come rendered one by one (in parallel, by forked workers): each with its own page
numbers, fonts and structure tags. Joined, their pages follow one another unchanged, and the file
gets what belongs to the whole rather than to its first document: an outline with an entry per
document, its own title, subject and language, one structure tree in which each document is a
part, and the PDF/A identification its documents carry, in its own XMP metadata.

pikepdf (qpdf) rather than pypdf: a year's documents hold thousands of structure elements, which
pypdf parses and writes one by one (1.3 s and a file twice the size for 25 pages, against 0.07 s
and the size of the documents together, written in compressed object streams).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence

from pikepdf import (
    Array,
    Dictionary,
    Name,
    Object,
    ObjectStreamMode,
    OutlineItem,
    Pdf,
    String,
)


def join_pdfs(
    pdfs: Sequence[bytes],
    *,
    outline: Sequence[tuple[str, ...]],
    title: str,
    subject: str,
    lang: str,
) -> bytes:
    """The documents' pages in order in one PDF. ``outline[i]`` is document i's place in the
    outline: its entry, under the headings before it (each heading made once, at the first
    document that names it, and shared by the documents after it that name it too)."""
    sources = [Pdf.open(io.BytesIO(pdf)) for pdf in pdfs]
    bundle = Pdf.new()
    starts = []
    for source in sources:
        starts.append(len(bundle.pages))
        bundle.pages.extend(source.pages)
    _add_outline(bundle, outline, starts)
    _merge_structure(bundle, sources, outline, starts)
    _distinct_subset_tags(bundle)
    _identify(bundle, sources[0], title=title, subject=subject, lang=lang)
    output = io.BytesIO()
    bundle.save(
        output,
        min_version=sources[0].pdf_version,
        object_stream_mode=ObjectStreamMode.generate,
        deterministic_id=True,  # PDF/A: the trailer has an /ID; the same documents, the same file
    )
    return output.getvalue()


def _add_outline(bundle: Pdf, outline: Sequence[tuple[str, ...]], starts: list[int]) -> None:
    entries: dict[tuple[str, ...], OutlineItem] = {}
    with bundle.open_outline() as tree:
        for path, start in zip(outline, starts, strict=True):
            for depth in range(1, len(path) + 1):
                if path[:depth] in entries:
                    continue
                item = OutlineItem(path[depth - 1], start)
                parent = entries.get(path[: depth - 1])
                (parent.children if parent else tree.root).append(item)
                entries[path[:depth]] = item
    bundle.Root.PageMode = Name.UseOutlines  # a viewer opens the bundle with its outline shown


def _identify(bundle: Pdf, first: Pdf, *, title: str, subject: str, lang: str) -> None:
    """The bundle's own title, subject and language, and the archival identification of its
    documents (PDF/A part and conformance, output intent), the same in the document information
    and in the XMP metadata, as PDF/A requires."""
    bundle.Root.Lang = String(lang)
    bundle.Root.ViewerPreferences = Dictionary(DisplayDocTitle=True)
    if Name.OutputIntents in first.Root:
        bundle.Root.OutputIntents = Array(
            _copied(bundle, first, intent) for intent in first.Root.OutputIntents
        )
    with first.open_metadata() as theirs:
        archival = (theirs.get("pdfaid:part"), theirs.get("pdfaid:conformance"))
        producer = theirs.get("pdf:Producer")
    # update_docinfo: the document information follows the XMP (title, subject, producer).
    with bundle.open_metadata(set_pikepdf_as_editor=False, update_docinfo=True) as ours:
        ours["dc:title"] = title
        ours["dc:description"] = subject
        ours["dc:language"] = [lang]
        if producer:
            ours["pdf:Producer"] = producer
        if all(archival):
            ours["pdfaid:part"], ours["pdfaid:conformance"] = archival


def _distinct_subset_tags(bundle: Pdf) -> None:
    """WeasyPrint tags a font subset after the face, not after the glyphs it keeps: every
    document's subset of the regular face is "ZNQBGA+Liberation-Serif-Giaouoc". In one file,
    different subsets must have different tags (ISO 32000-1, 9.6.4), or a viewer may draw one
    document's text with another's glyphs. The tag is made from the subset itself."""
    seen: set[tuple[int, int]] = set()

    def rename(resources: Object) -> None:
        for font in resources.get(Name.Font, Dictionary()).values():
            if font.objgen in seen:
                continue
            seen.add(font.objgen)
            faces = [font, *font.get(Name.DescendantFonts, Array())]
            descriptors = [d for face in faces if (d := face.get(Name.FontDescriptor))]
            files = [f for d in descriptors for key in ("/FontFile", "/FontFile2", "/FontFile3")
                     if (f := d.get(key)) is not None]  # fmt: skip
            if not files:
                continue
            digest = hashlib.md5(files[0].read_raw_bytes(), usedforsecurity=False).digest()
            tag = "".join(chr(65 + byte % 26) for byte in digest[:6])
            for holder, key in [*((f, Name.BaseFont) for f in faces),
                                *((d, Name.FontName) for d in descriptors)]:  # fmt: skip
                name = str(holder.get(key, ""))
                if "+" in name:
                    holder[key] = Name("/" + tag + name[name.index("+") :])
        for xobject in resources.get(Name.XObject, Dictionary()).values():
            if xobject.objgen not in seen and Name.Resources in xobject:
                seen.add(xobject.objgen)
                rename(xobject.Resources)

    for page in bundle.pages:
        if Name.Resources in page.obj:
            rename(page.obj.Resources)


# --- Structure tags ---------------------------------------------------------------------------


def _merge_structure(
    bundle: Pdf, sources: list[Pdf], outline: Sequence[tuple[str, ...]], starts: list[int]
) -> None:
    """One structure tree for the bundle: a Document whose parts are the documents' own trees,
    each titled with its outline entry. A page finds its marked content through the parent
    tree, by its /StructParents key, which is its document's own: the keys of each document
    are moved past those of the documents before it."""
    trees = [tree for source in sources if (tree := source.Root.get(Name.StructTreeRoot))]
    if len(trees) < len(sources):
        return  # an untagged document: the bundle claims no structure
    tree_root = bundle.make_indirect(Dictionary(Type=Name.StructTreeRoot))
    document = bundle.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Document, P=tree_root))
    parts = Array()
    numbers = Array()
    offset = 0
    for source, tree, path, start in zip(sources, trees, outline, starts, strict=True):
        # Copied after the pages: qpdf maps each object of a source once, so every page
        # reference of the tree lands on the page already in the bundle.
        kids = tree.K if isinstance(tree.K, Array) else Array([tree.K])
        part = bundle.make_indirect(
            Dictionary(
                Type=Name.StructElem,
                S=Name.Part,
                P=document,
                T=String(path[-1]),
                K=Array(_copied(bundle, source, kid) for kid in kids),
            )
        )
        for kid in part.K:
            if isinstance(kid, Dictionary) and Name.S in kid:
                kid.P = part
        parts.append(part)
        pairs = _number_tree(tree.ParentTree)
        for key, value in pairs:
            numbers.append(key + offset)
            numbers.append(_copied(bundle, source, value))
        for page in bundle.pages[start : start + len(source.pages)]:
            if Name.StructParents in page.obj:
                page.obj.StructParents = int(page.obj.StructParents) + offset
        offset += max((key for key, _value in pairs), default=-1) + 1
    document.K = parts
    tree_root.K = Array([document])
    tree_root.ParentTree = bundle.make_indirect(Dictionary(Nums=numbers))
    tree_root.ParentTreeNextKey = offset
    bundle.Root.StructTreeRoot = tree_root
    bundle.Root.MarkInfo = Dictionary(Marked=True)


def _copied(bundle: Pdf, source: Pdf, value: Object) -> Object:
    """A value of a source, copied into the bundle with everything it refers to (qpdf copies
    indirect objects only: an array or dictionary held directly is copied item by item)."""
    if value.is_indirect:
        return bundle.copy_foreign(value)
    if isinstance(value, Array):
        return Array(_copied(bundle, source, item) for item in value)
    if isinstance(value, Dictionary):
        return Dictionary({key: _copied(bundle, source, item) for key, item in value.items()})
    return value


def _number_tree(node: Object) -> list[tuple[int, Object]]:
    """The (key, value) pairs of a number tree, in key order."""
    pairs = []
    numbers = node.get(Name.Nums, Array())
    for index in range(0, len(numbers), 2):
        pairs.append((int(numbers[index]), numbers[index + 1]))
    for kid in node.get(Name.Kids, Array()):
        pairs.extend(_number_tree(kid))
    return sorted(pairs, key=lambda pair: pair[0])
