from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from .throttling import SignInThrottled, client_ip, retry_after


class SignInForm(AuthenticationForm):
    """Email and password; the error never tells which of the two was wrong."""

    username = forms.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )
    password = forms.CharField(
        label="Password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    error_messages = {
        "invalid_login": "The email or password is not correct.",
        "inactive": "This account is disabled.",
    }

    def get_invalid_login_error(self) -> ValidationError:
        seconds = retry_after(self.cleaned_data.get("username") or "", client_ip(self.request))
        if seconds is not None:
            return ValidationError(str(SignInThrottled(seconds)), code="throttled")
        return super().get_invalid_login_error()
