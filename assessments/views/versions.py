"""(being written)"""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


version_new = version_view = version_compare = _todo
