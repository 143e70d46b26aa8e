"""(being written)"""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


submit = queue = validate = answer_queries = _todo
