"""The forms of the forum pages: GOV.UK date inputs (day, month, year as three boxes) and
24-hour times, each refused beside its field with what was typed kept."""

import re
from datetime import date, time

from django import forms

from agencies.models import CASEWORK_ROLES, Agency, Membership, Role, User
from cafsite.forms import GovukFormMixin
from meetings.models import NominationKind
from meetings.services.nominations import REASON_MAX_LENGTH

TIME_PATTERN = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*$")


class GovukTimeField(forms.CharField):
    """A time of day on the 24-hour clock, typed as 09:30 (or 9.30)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 5)
        kwargs.setdefault("help_text", "24-hour clock, for example 09:30 or 14:00")
        super().__init__(**kwargs)
        self.widget.attrs.update({"class": "govuk-input--width-5", "spellcheck": "false"})

    def clean(self, value):
        text = super().clean(value)
        if text in self.empty_values:
            return None
        match = TIME_PATTERN.match(text)
        if match:
            hours, minutes = int(match[1]), int(match[2])
            if hours < 24 and minutes < 60:
                return time(hours, minutes)
        raise forms.ValidationError("Enter a time like 09:30 or 14:00.", code="invalid")


class DatePartsMixin:
    """Dates typed in the GOV.UK pattern: ``<name>_day``, ``_month`` and ``_year`` boxes;
    ``clean`` puts the date in ``cleaned_data[name]``, or an error beside the day box."""

    date_fields: dict[str, str] = {}  # name -> what the date is, for messages

    @classmethod
    def add_date_fields(cls, names):
        for name in names:
            for part, width, size in (("day", 2, 2), ("month", 2, 2), ("year", 4, 4)):
                field = forms.CharField(
                    label=part.title(),
                    required=False,
                    max_length=size,
                    widget=forms.TextInput(
                        attrs={
                            "class": f"govuk-date-input__input govuk-input--width-{width}",
                            "inputmode": "numeric",
                        }
                    ),
                )
                cls.base_fields[f"{name}_{part}"] = field

    def clean(self):
        cleaned = super().clean()
        for name, what in self.date_fields.items():
            parts = [
                (self.cleaned_data.get(f"{name}_{part}") or "").strip()
                for part in ("day", "month", "year")
            ]
            if not any(parts):
                self.add_error(f"{name}_day", f"Enter the {what}.")
                continue
            if not all(p.isdigit() for p in parts):
                self.add_error(f"{name}_day", f"The {what} must be a real date, like 27 3 2027.")
                continue
            day, month, year = (int(p) for p in parts)
            if len(parts[2]) != 4:
                self.add_error(f"{name}_day", f"Enter the year of the {what} with 4 digits.")
                continue
            try:
                cleaned[name] = date(year, month, day)
            except ValueError:
                self.add_error(f"{name}_day", f"The {what} must be a real date, like 27 3 2027.")
        return cleaned

    def error_field(self, field: str | None) -> str | None:
        """Where a service's error on ``field`` shows: a date's day box."""
        if field in self.date_fields:
            return f"{field}_day"
        return field if field in self.fields else None


def add_service_error(form, error) -> None:
    """A service's error beside its field (a date's day box), else above the form."""
    field = form.error_field(error.field) if hasattr(form, "error_field") else None
    if field is None and error.field in form.fields:
        field = error.field
    form.add_error(field, error.message)


class SeasonForm(GovukFormMixin, forms.Form):
    name = forms.CharField(
        label="Name of the season",
        max_length=200,
        help_text="For example, Charnwood forums 2027.",
        error_messages={"required": "Enter a name for the season."},
    )
    area = forms.CharField(label="Area (optional)", max_length=200, required=False)


def chairs_of(tenant_id: int):
    """The tenant's MAF chairs and coordinators, who may chair a forum."""
    return (
        User.objects.filter(
            tenant_id=tenant_id,
            is_active=True,
            memberships__role__in=[Role.MAF_CHAIR, Role.CAF_COORDINATOR],
            memberships__agency__is_active=True,
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def person(user) -> str:
    return user.get_full_name() or user.username


class ForumForm(DatePartsMixin, GovukFormMixin, forms.Form):
    date_fields = {"held_on": "date of the forum", "nomination_deadline": "nomination deadline"}

    venue = forms.CharField(
        label="Venue", max_length=200, error_messages={"required": "Enter the venue."}
    )
    venue_address = forms.CharField(
        label="Address of the venue (optional)",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    deadline_time = GovukTimeField(
        label="Nominations close at",
        error_messages={"required": "Enter the time nominations close."},
    )
    chair = forms.ChoiceField(
        label="Chair (optional)",
        required=False,
        help_text="A MAF chair or coordinator of this area.",
        error_messages={"invalid_choice": "Choose a chair from the list."},
    )

    def __init__(self, *args, tenant_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.chairs = {str(u.pk): u for u in chairs_of(tenant_id)}
        self.fields["chair"].choices = [("", "No chair yet")] + [
            (pk, person(u)) for pk, u in self.chairs.items()
        ]

    def clean_chair(self):
        return self.chairs.get(self.cleaned_data.get("chair") or "")


ForumForm.add_date_fields(ForumForm.date_fields)


class SessionForm(GovukFormMixin, forms.Form):
    forum = forms.ChoiceField(
        label="Forum",
        error_messages={
            "required": "Choose the forum.",
            "invalid_choice": "Choose a forum of this season from the list.",
        },
    )
    cluster = forms.CharField(
        label="School cluster",
        max_length=300,
        help_text="For example, Wreake Valley and all feeder schools.",
        error_messages={"required": "Enter the school cluster of the session."},
    )
    starts_at = GovukTimeField(
        label="Starts at", error_messages={"required": "Enter the time the session starts."}
    )
    ends_at = GovukTimeField(
        label="Ends at", error_messages={"required": "Enter the time the session ends."}
    )

    def __init__(self, *args, forums, **kwargs):
        super().__init__(*args, **kwargs)
        self.forums = {str(f.pk): f for f in forums}
        self.fields["forum"].choices = [("", "Choose a forum")] + [
            (pk, f"{f.held_on:%-d %B %Y}, {f.venue}") for pk, f in self.forums.items()
        ]

    def clean_forum(self):
        return self.forums.get(self.cleaned_data.get("forum") or "")


def core_member_choices(tenant_id: int):
    """Casework memberships of the tenant's active agencies: (user, agency) by "user:agency"."""
    memberships = (
        Membership.objects.filter(
            agency__tenant_id=tenant_id,
            agency__is_active=True,
            user__is_active=True,
            user__tenant_id=tenant_id,
            role__in=CASEWORK_ROLES,
        )
        .select_related("user", "agency")
        .order_by("agency__name", "user__last_name", "user__username")
    )
    return {f"{m.user_id}:{m.agency_id}": (m.user, m.agency) for m in memberships}


class CoreMemberForm(GovukFormMixin, forms.Form):
    member = forms.ChoiceField(
        label="Practitioner",
        help_text="A practitioner of an agency of this area, invited to every forum of the season.",
        error_messages={
            "required": "Choose a practitioner.",
            "invalid_choice": "Choose a practitioner from the list.",
        },
    )

    def __init__(self, *args, tenant_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.people = core_member_choices(tenant_id)
        self.fields["member"].choices = [("", "Choose a practitioner")] + [
            (key, f"{person(user)}, {agency.name}") for key, (user, agency) in self.people.items()
        ]

    def clean_member(self):
        return self.people.get(self.cleaned_data.get("member") or "")


class NominationForm(GovukFormMixin, forms.Form):
    session = forms.ChoiceField(
        label="Which forum session?",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the forum session.",
            "invalid_choice": "Choose a session of a forum to come.",
        },
    )
    kind = forms.ChoiceField(
        label="Is this a new case or a review?",
        choices=NominationKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether this is a new case or a review."},
    )
    reason = forms.CharField(
        label="What would you like from the forum?",
        max_length=REASON_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    agencies = forms.MultipleChoiceField(
        label="Which agencies should hear the case? (optional)",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only agencies the family agreed to share this CAF with. You present it "
        "yourself.",
        error_messages={"invalid_choice": "Choose agencies from the list."},
    )

    def __init__(self, *args, sessions, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.sessions = {str(s.pk): s for s in sessions}
        self.agencies = {str(a.pk): a for a in agencies}
        self.fields["session"].choices = [
            (
                pk,
                f"{s.forum.held_on:%-d %B %Y} at {s.forum.venue}: {s.cluster}, "
                f"{s.starts_at:%H:%M} to {s.ends_at:%H:%M} (nominations close "
                f"{s.forum.nomination_deadline:%-d %B %Y})",
            )
            for pk, s in self.sessions.items()
        ]
        self.fields["agencies"].choices = [(pk, a.name) for pk, a in self.agencies.items()]

    def clean_session(self):
        return self.sessions.get(self.cleaned_data.get("session") or "")

    def clean_agencies(self):
        return [self.agencies[pk] for pk in self.cleaned_data.get("agencies") or []]


class AttendeeForm(GovukFormMixin, forms.Form):
    agency = forms.ChoiceField(
        label="Agency to hear the case",
        error_messages={
            "required": "Choose an agency.",
            "invalid_choice": "Choose an agency from the list.",
        },
    )

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.agencies = {str(a.pk): a for a in agencies}
        self.fields["agency"].choices = [("", "Choose an agency")] + [
            (pk, a.name) for pk, a in self.agencies.items()
        ]

    def clean_agency(self):
        return self.agencies.get(self.cleaned_data.get("agency") or "")


class DeferForm(GovukFormMixin, forms.Form):
    reason = forms.CharField(
        label="Why is it moved to the next forum?",
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say why the case is moved to the next forum."},
    )


def shareable_agencies(case):
    """The tenant's active agencies the family agreed to share this case with."""
    from consent.services import agency_excluded

    agencies = Agency.objects.filter(tenant_id=case.tenant_id, is_active=True).order_by("name")
    return [a for a in agencies if not agency_excluded(case, a)]
