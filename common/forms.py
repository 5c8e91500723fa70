"""Forms and the services behind them."""

from django.core.exceptions import ValidationError


def add_refusal(form, refusal: ValidationError) -> None:
    """A service's refusal shown on the form that asked for it: each message beside its field where the form has
    that field, above the form otherwise (a refusal naming no field, or one the form does not show)."""
    if hasattr(refusal, "error_dict"):
        for field, errors in refusal.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, refusal.messages)
