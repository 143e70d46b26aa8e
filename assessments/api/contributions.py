"""(being written) Contributions over the API."""

from rest_framework import viewsets


class ContributionViewSet(viewsets.ViewSet):
    pass
