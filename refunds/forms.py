"""Small forms for the case page: transitions that take input, evidence, comments, assignment.

A transition form's cleaned_data are exactly the keyword arguments of its service in
`refunds.services.workflow`, so the admin view passes them through without knowing the transition.
"""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from acorn_portal.money import format_money
from acorn_portal.services.people import real_people
from refunds.choices import EvidenceKind
from refunds.models import Team


class NoteForm(forms.Form):
    """Transitions whose only input is an optional note for the history."""

    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text=_("Optional, kept.")
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), help_text=_("Kept in the case history.")
    )


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), help_text=_("What the preparer should change.")
    )


class FilingForm(forms.Form):
    amazon_case_id = forms.CharField(
        label=_("Amazon dispute or case id"), max_length=64, help_text=_("As Vendor Central shows it after submitting.")
    )
    filed_on = forms.DateField(
        label=_("Filed on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty: today."),
    )


class AmazonApprovalForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount"),
        required=False,
        min_value=0,
        decimal_places=4,
        help_text=_("Amount Amazon approved; empty: the whole deduction."),
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RecoveryForm(forms.Form):
    """The credit as it shows in a remittance: pick the line ACORN found, or type amount and reference."""

    remittance_line = forms.ChoiceField(
        required=False,
        label=_("Remittance credit line"),
        help_text=_("Lines naming this deduction or its invoices first, then the account's latest credits."),
    )
    amount = forms.DecimalField(label=_("Amount"), required=False, min_value=0, decimal_places=4)
    reference = forms.CharField(
        label=_("Reference"), required=False, max_length=100, help_text=_("Payment number / document number.")
    )
    recovered_on = forms.DateField(
        label=_("Recovered on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    confirm_above_approved = forms.BooleanField(
        label=_("Record more than Amazon approved"),
        required=False,
        help_text=_("Only when the remittance really paid more than the approved amount."),
    )
    above_approved_reason = forms.CharField(
        label=_("Why more than approved"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, chargeback=None, **kwargs):
        super().__init__(*args, **kwargs)
        from refunds.services.related import recovery_candidates

        lines = recovery_candidates(chargeback) if chargeback is not None else []
        self._lines = {str(line.pk): line for line in lines}
        self.fields["remittance_line"].choices = [("", "—")] + [
            (
                str(line.pk),
                f"{line.remittance.payment_number} ({line.remittance.payment_date:%Y-%m-%d}) / "
                f"{line.invoice_number}: {format_money(line.amount, line.currency)}",
            )
            for line in lines
        ]

    def clean_remittance_line(self):
        value = self.cleaned_data.get("remittance_line")
        return self._lines.get(value) if value else None


TRANSITION_FORMS = {
    "accept_deduction": ReasonForm,
    "record_amazon_denial": ReasonForm,
    "write_off": ReasonForm,
    "send_back": CommentForm,
    "file_dispute": FilingForm,
    "record_amazon_approval": AmazonApprovalForm,
    "record_recovery": RecoveryForm,
}


def transition_form_class(name: str) -> type[forms.Form]:
    """The form a transition needs; NoteForm when it needs nothing but an optional note."""
    return TRANSITION_FORMS.get(name, NoteForm)


def needs_input(name: str) -> bool:
    return name in TRANSITION_FORMS


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented recipe); cleans to a list."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)]


class EvidenceForm(forms.Form):
    """One or several files of one kind; the accepted kinds are the ones the upload check accepts."""

    kind = forms.ChoiceField(label=_("Kind"), choices=EvidenceKind.choices)
    file = MultipleFileField(label=_("Files"))
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args, **kwargs):
        from refunds.services.evidence import accepted_extensions, accepted_kinds_text

        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = accepted_extensions()
        self.fields["file"].help_text = _("%(kinds)s; checked by content.") % {"kinds": accepted_kinds_text()}


class AttachEvidenceForm(EvidenceForm):
    """One document for many cases (the case list's action): a single file."""

    file = forms.FileField(label=_("File"))


class RemoveEvidenceForm(forms.Form):
    reason = forms.CharField(label=_("Why remove it"), max_length=500)


class CommentAddForm(forms.Form):
    body = forms.CharField(
        label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}), help_text=_("@username mentions.")
    )


class AssignForm(forms.Form):
    """Assign to a person or a team of the case's organization(s)."""

    assignee = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(), required=False, label=_("Person"), empty_label=_("— person —")
    )
    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False, empty_label=_("— team —"))

    def __init__(self, *args, organization_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        members = get_user_model().objects.filter(is_active=True, memberships__organization_id__in=organization_ids)
        self.fields["assignee"].queryset = real_people(members).distinct().order_by("username")
        self.fields["team"].queryset = Team.objects.filter(organization_id__in=organization_ids)

    def clean(self):
        data = super().clean()
        if not data.get("assignee") and not data.get("team"):
            raise forms.ValidationError(_("Choose a person or a team."))
        return data


class SettlementTermsForm(forms.Form):
    amount_offered = forms.DecimalField(label=_("Amount offered"), min_value=0, decimal_places=4)
    amount_accepted = forms.DecimalField(
        label=_("Amount accepted"),
        required=False,
        min_value=0,
        decimal_places=4,
        help_text=_("Empty while negotiating."),
    )
    agreement = forms.FileField(label=_("Signed agreement"), required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class SettlementReviewForm(forms.Form):
    note = forms.CharField(label=_("Review note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
