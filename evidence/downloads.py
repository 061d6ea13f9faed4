"""Serving an evidence file: only to someone who may see the report (the
caller checked), always as an attachment, never sniffed as another type."""
from __future__ import annotations

from django.http import FileResponse, Http404

from .models import EvidenceFile
from .uploads import evidence_storage


def download(cycle_report, file_id: int) -> FileResponse:
    kept = EvidenceFile.objects.filter(pk=file_id, cycle_report=cycle_report).first()
    if kept is None:
        raise Http404("No such evidence file in this report.")
    response = FileResponse(
        evidence_storage().open(kept.storage_name, "rb"),
        as_attachment=True,
        filename=kept.original_name,
        content_type=kept.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
