from django.conf import settings
from django.db import models


class CatalogueUpload(models.Model):
    """A catalogue file uploaded on the page, kept between its preview and
    the test manager's confirmation (the API previews and saves in one
    request each and needs none). Applied once; the confirmation reads the
    very bytes that were previewed."""

    report = models.ForeignKey("cycles.Report", on_delete=models.CASCADE, related_name="+")
    filename = models.CharField(max_length=255)
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at"]
