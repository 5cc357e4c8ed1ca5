"""Django's error reports (the 500 e-mail, the DEBUG page) with our secrets blanked out.

Django's own filter hides settings and request headers whose names look secret and whatever a
`sensitive_variables` / `sensitive_post_parameters` decorator names. Ours also hides, wherever a
decorator was forgotten, local variables and POST fields whose names say they hold a secret
(credentials, tokens, API keys, passwords, request headers) and the Authorization header.
"""

import re

from django.views.debug import SafeExceptionReporterFilter

SECRET_NAMES = re.compile(
    r"CREDENTIAL|SECRET|TOKEN|API_?KEY|PASS|SIGNATURE|AUTHORIZATION|HEADERS|COOKIE|FERNET|ENCRYPTION", re.IGNORECASE
)


class AcornExceptionReporterFilter(SafeExceptionReporterFilter):
    """Settings, request headers, POST fields and frame variables with a secret-looking name are hidden."""

    hidden_settings = re.compile(
        r"API|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|AUTHORIZATION|CREDENTIAL|DATABASE_URL|REDIS",
        flags=re.IGNORECASE,
    )

    def get_post_parameters(self, request):
        params = super().get_post_parameters(request)
        if request is None or not params:
            return params
        params = params.copy()
        for name in params:
            if SECRET_NAMES.search(name):
                params[name] = self.cleansed_substitute
        return params

    def get_traceback_frame_variables(self, request, tb_frame):
        return [
            (name, self.cleansed_substitute if SECRET_NAMES.search(name) else value)
            for name, value in super().get_traceback_frame_variables(request, tb_frame)
        ]
