"""(being written)"""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


sign_off = assessment_pdf = signature_scan = distribution_record = _todo
