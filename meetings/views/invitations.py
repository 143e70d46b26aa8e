"""The invitee's answer to a forum invitation (R-MAF-4): attending, apologies, or a deputy of
the same agency. Only the invitee opens it; anyone else gets the 404 of a missing one."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse

from agencies.models import User
from audit.models import AccessAction
from audit.services import access_log_record
from cafsite.errors import add_error_to_form
from cafsite.forms import GovukFormMixin
from cafsite.validation import parse_id
from meetings.models import ForumInvitation, InvitationResponse
from meetings.services import MeetingError
from meetings.services.invitations import FORUM_PAGE, deputy_choices, invitation_respond

ANSWERS = [
    (InvitationResponse.ATTENDING.value, "I will attend"),
    (InvitationResponse.DEPUTY.value, "I am sending a deputy from my agency"),
    (InvitationResponse.APOLOGIES.value, "I cannot attend (send apologies)"),
]


def invitation_for_invitee(user, pk, *, request=None) -> ForumInvitation:
    """The invitation ``pk`` if ``user`` is its invitee; 404 otherwise, the same answer as for
    one that does not exist. An agency invited at its address has no invitee here."""
    invitation_id = parse_id(pk)
    invitation = None
    if invitation_id and getattr(user, "is_authenticated", False):
        invitation = (
            ForumInvitation.objects.select_related("forum__season", "agency", "user", "deputy")
            .filter(pk=invitation_id, user=user, user__is_active=True)
            .first()
        )
    if invitation is None:
        access_log_record(
            action=AccessAction.DENIED,
            user=user,
            request=request,
            detail=f"forum invitation {str(pk)[:40]} not found or not permitted",
        )
        raise Http404("No such invitation.")
    return invitation


class ResponseForm(GovukFormMixin, forms.Form):
    response = forms.ChoiceField(
        label="Will you attend?",
        choices=ANSWERS,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose whether you will attend.",
            "invalid_choice": "Choose whether you will attend.",
        },
    )
    deputy = forms.ChoiceField(
        label="Your deputy",
        required=False,
        help_text="Only if you are sending a deputy: a practitioner of your agency.",
        error_messages={"invalid_choice": "Choose a colleague from the list."},
    )

    def __init__(self, *args, colleagues, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deputy"].choices = [("", "Choose a colleague")] + [
            (str(user.pk), user.get_full_name() or user.username) for user in colleagues
        ]


def _forum_page(invitation) -> str | None:
    try:
        return reverse(FORUM_PAGE, kwargs={"pk": invitation.forum_id})
    except NoReverseMatch:
        return None


@login_required
def invitation_answer(request, pk: int):
    invitation = invitation_for_invitee(request.user, pk, request=request)
    colleagues = deputy_choices(invitation)
    initial = {
        "response": invitation.response
        if invitation.response != InvitationResponse.NO_REPLY
        else None,
        "deputy": str(invitation.deputy_id or ""),
    }
    form = ResponseForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        colleagues=colleagues,
    )
    if request.method == "POST" and form.is_valid():
        deputy_id = parse_id(form.cleaned_data["deputy"])
        deputy = User.objects.filter(pk=deputy_id).first() if deputy_id else None
        try:
            invitation_respond(
                invitation=invitation,
                by=request.user,
                response=form.cleaned_data["response"],
                deputy=deputy,
            )
        except MeetingError as error:
            add_error_to_form(form, error)
        else:
            messages.success(request, "Thank you: your answer has been recorded.")
            return redirect("meetings:invitation", pk=invitation.pk)
    forum = invitation.forum
    return render(
        request,
        "meetings/invitation.html",
        {
            "invitation": invitation,
            "forum": forum,
            "sessions": list(forum.sessions.all()),
            "form": form,
            "colleagues": colleagues,
            "forum_page": _forum_page(invitation),
        },
    )
