"""(being written)"""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


contribution_request = contribution_write = contribution_review = _todo
