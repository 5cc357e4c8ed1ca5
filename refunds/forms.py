"""Small forms for the case page: transitions that take input, evidence, comments, assignment.

A transition form's cleaned_data are exactly the keyword arguments of its service in
`refunds.services.workflow`, so the admin view passes them through without knowing the transition.
"""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from refunds.choices import EvidenceKind
from refunds.models import Team


class NoteForm(forms.Form):
    """Transitions whose only input is an optional note for the history."""

    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text=_("Optional, kept."))


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), help_text=_("Kept in the case history."))


class CommentForm(forms.Form):
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), help_text=_("What the preparer should change."))


class FilingForm(forms.Form):
    amazon_case_id = forms.CharField(
        label=_("Amazon dispute or case id"), max_length=64, help_text=_("As Vendor Central shows it after submitting.")
    )
    filed_on = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), help_text=_("Empty: today.")
    )


class AmazonApprovalForm(forms.Form):
    amount = forms.DecimalField(
        required=False,
        min_value=0,
        decimal_places=4,
        help_text=_("Amount Amazon approved; empty: the whole deduction."),
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RecoveryForm(forms.Form):
    """The credit as it shows in a remittance: pick the line ACORN found, or type amount and reference."""

    remittance_line = forms.ChoiceField(required=False, label=_("Remittance credit line"))
    amount = forms.DecimalField(required=False, min_value=0, decimal_places=4)
    reference = forms.CharField(required=False, max_length=100, help_text=_("Payment number / document number."))
    recovered_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, chargeback=None, **kwargs):
        super().__init__(*args, **kwargs)
        from refunds.services.related import recovery_candidates

        lines = recovery_candidates(chargeback) if chargeback is not None else []
        self._lines = {str(line.pk): line for line in lines}
        self.fields["remittance_line"].choices = [("", "—")] + [
            (str(line.pk), f"{line.remittance.payment_number} / {line.invoice_number}: {line.amount} {line.currency}")
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


class EvidenceForm(forms.Form):
    kind = forms.ChoiceField(choices=EvidenceKind.choices)
    file = forms.FileField()
    note = forms.CharField(required=False, max_length=500)


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
        self.fields["assignee"].queryset = (
            get_user_model()
            .objects.filter(is_active=True, memberships__organization_id__in=organization_ids)
            .distinct()
            .order_by("username")
        )
        self.fields["team"].queryset = Team.objects.filter(organization_id__in=organization_ids)

    def clean(self):
        data = super().clean()
        if not data.get("assignee") and not data.get("team"):
            raise forms.ValidationError(_("Choose a person or a team."))
        return data
