"""Forms of the task page and of asking a practitioner to read a CAF. They only parse input;
the rules are in referrals.task_answers."""

from django import forms

from cafsite.forms import GovukFormMixin
from referrals.models import TaskKind
from referrals.task_answers import ANSWERS, MESSAGE_MAX, RESPONSE_MAX, Answer

_ANSWER_TEXT = {
    TaskKind.JOIN_REQUEST: {
        Answer.ACCEPT: "Accept: their agency joins the team around the child",
        Answer.DECLINE: "Decline",
    },
    TaskKind.READ_ACCESS: {
        Answer.ACCEPT: "Accept: I will read the CAF",
        Answer.DECLINE: "Decline",
    },
}


class TaskAnswerForm(GovukFormMixin, forms.Form):
    """Accept or decline (with a reason); for a Tier 3/4 concern, what the agency will do."""

    answer = forms.ChoiceField(
        label="Your answer",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose whether you accept or decline.",
            "invalid_choice": "Choose whether you accept or decline.",
        },
    )
    response = forms.CharField(
        label="If you decline, say why",
        help_text="The person who asked reads this in their worklist.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=RESPONSE_MAX,
        required=False,
    )

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        if kind == TaskKind.TIER34_CONCERN:
            # Acknowledging is the one answer: no choice to make.
            del self.fields["answer"]
            self.fields["response"].label = "What your agency will do about this concern"
            self.fields[
                "response"
            ].help_text = "The practitioner who raised the concern reads this in their worklist."
        else:
            labels = _ANSWER_TEXT.get(kind, {})
            self.fields["answer"].choices = [
                (answer, labels.get(answer, answer)) for answer in ANSWERS.get(kind, ())
            ]

    def chosen_answer(self) -> str:
        if self.kind == TaskKind.TIER34_CONCERN:
            return Answer.ACKNOWLEDGE
        return self.cleaned_data["answer"]


class ReadAccessForm(GovukFormMixin, forms.Form):
    practitioner = forms.ChoiceField(
        label="Practitioner",
        help_text="Only practitioners of agencies the family agreed to share with are listed.",
        error_messages={
            "required": "Choose a practitioner.",
            "invalid_choice": "Choose a practitioner from the list.",
        },
    )
    message = forms.CharField(
        label="Message",
        help_text="Why you are asking them to read it. Do not write case details here: they "
        "read the CAF itself once they accept.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=MESSAGE_MAX,
        required=False,
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].choices = [("", "Choose a practitioner")] + [
            (str(user.pk), f"{user.get_full_name() or user.username}, {agency.name}")
            for user, agency in candidates
        ]
