"""The Settings page: every workspace setting in groups, delivery secrets, and tracking.

Groups: Engine (segment refresh), Email delivery (outbox or SMTP with its server, login,
password and rate), SMS and push (outbox or HTTP with endpoint and token), Tracking (on/off,
public base URL, key rotation and the tracking server, :mod:`app.ui.pages.tracking_panel`).

"Send test email" sends through the saved email transport (Save first).

Save checks and writes every setting in one transaction through
:func:`app.services.settings.save_settings` and shows each refusal under its field (nothing is
written then); typed passwords and tokens go to the secret store afterwards and are cleared
from the form. Revert reloads what is stored. Reading and saving run on a worker.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QScrollArea, QVBoxLayout, QWidget

from app.services.secrets import SecretStore, default_secrets
from app.services.settings import (
    SettingsRefused,
    SettingsSnapshot,
    load_settings,
    save_settings,
    send_test_email,
)
from app.store.settings import SETTINGS
from app.ui.context import AppContext
from app.ui.pages.settings_fields import (
    LARGEST,
    SecretField,
    SettingField,
    card,
    choice_field,
    flag_field,
    inline,
    number_field,
    rate_field,
    text_field,
)
from app.ui.pages.tracking_panel import TrackingPanel
from app.ui.pages.widgets import button, page_frame

TRANSPORT_FIELDS = {
    "email_transport": ("smtp", ("smtp_host", "smtp_port", "smtp_security", "smtp_username",
                                 "smtp_per_second", "smtp_password")),
    "sms_transport": ("http", ("sms_http_url", "sms_http_token")),
    "push_transport": ("http", ("push_http_url", "push_http_token")),
}  # fmt: skip
"""Transport setting → (the choice that needs them, the fields it needs)."""
ABOUT_EMAIL = (
    "Where emails go: the outbox folder beside the workspace (nothing leaves this computer) "
    "or an SMTP server."
)
ABOUT_ENGINE = (
    "Segments used by live journeys are re-evaluated this often, because time windows change "
    "who is in them."
)
ABOUT_MESSAGING = (
    "Text messages and push notifications go to the outbox folder, or as JSON to your "
    "provider's endpoint with a bearer token."
)
ABOUT_TRACKING = (
    "Opens and clicks come back through the tracking server; recipients must be able to reach "
    "its public address."
)


class SettingsPage(QWidget):
    loaded = Signal()
    """The form shows what is stored (after opening, Revert or Save)."""
    saved = Signal()

    def __init__(
        self,
        context: AppContext,
        parent: QWidget | None = None,
        secrets: SecretStore | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self._secrets = secrets
        self.snapshot: SettingsSnapshot | None = None
        self.fields: dict[str, SettingField] = {}
        self.secret_fields: dict[str, SecretField] = {}
        layout = page_frame(self, "Settings")

        columns = QHBoxLayout()
        columns.setSpacing(16)
        left, right = QVBoxLayout(), QVBoxLayout()
        for column in (left, right):
            column.setSpacing(16)
            columns.addLayout(column, 1)
        left.addWidget(self._email_card())
        left.addWidget(self._engine_card())
        left.addStretch(1)
        right.addWidget(self._messaging_card())
        right.addWidget(self._tracking_card())
        right.addStretch(1)
        body = QWidget()
        body.setObjectName("page")
        body.setLayout(columns)
        scroll = QScrollArea()
        scroll.setObjectName("settingsScroll")
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(body)
        layout.addWidget(scroll, 1)

        self.state = QLabel("")
        self.state.setObjectName("placeholderText")
        self.revert_button = button("Revert")
        self.save_button = button("Save", primary=True)
        actions = QHBoxLayout()
        actions.addWidget(self.state, 1)
        actions.addWidget(self.revert_button)
        actions.addWidget(self.save_button)
        layout.addLayout(actions)

        self.revert_button.clicked.connect(self.revert)
        self.save_button.clicked.connect(self.save)
        for field in self.fields.values():
            field.changed.connect(self._edited)
        for secret in self.secret_fields.values():
            secret.changed.connect(self._edited)
        self._set_busy(True)
        self.revert()

    # -- the form -------------------------------------------------------------------------

    def _add(self, form: Any, label: str, field: SettingField) -> None:
        self.fields[field.key] = field
        field.editor.setToolTip(SETTINGS[field.key].description)
        form.addRow(label, field.cell())

    def _add_secret(self, form: Any, label: str, name: str) -> None:
        self.secret_fields[name] = SecretField(name)
        form.addRow(label, self.secret_fields[name])

    def _email_card(self) -> QWidget:
        frame, form = card("Email delivery", ABOUT_EMAIL)
        transports = [("Outbox folder", "outbox"), ("SMTP server", "smtp")]
        self._add(form, "Transport", choice_field("email_transport", transports))
        self._add(form, "SMTP host", text_field("smtp_host", "smtp.example.com"))
        self._add(form, "Port", number_field("smtp_port", 1, 65535))
        security = [("STARTTLS", "starttls"), ("TLS (implicit)", "tls"), ("None", "none")]
        self._add(form, "Security", choice_field("smtp_security", security))
        self._add(form, "Username", text_field("smtp_username"))
        self._add_secret(form, "Password", "smtp_password")
        self._add(form, "Sending rate", rate_field("smtp_per_second"))
        self.test_address = QLineEdit()
        self.test_address.setPlaceholderText("you@example.com")
        self.test_button = button("Send test email")
        self.test_button.clicked.connect(self.send_test_email)
        form.addRow("Test", inline(self.test_address, self.test_button))
        self.test_result = QLabel("")
        self.test_result.setObjectName("testResult")
        self.test_result.setWordWrap(True)
        self.test_result.hide()
        column = frame.layout()
        assert column is not None
        column.addWidget(self.test_result)
        return frame

    def _engine_card(self) -> QWidget:
        frame, form = card("Engine", ABOUT_ENGINE)
        self._add(form, "Segment refresh", number_field("segment_refresh", 1, LARGEST, " s"))
        return frame

    def _messaging_card(self) -> QWidget:
        frame, form = card("SMS and push", ABOUT_MESSAGING)
        for channel, name in (("sms", "SMS"), ("push", "Push")):
            transports = [("Outbox folder", "outbox"), ("HTTP provider", "http")]
            self._add(form, f"{name} transport", choice_field(f"{channel}_transport", transports))
            self._add(form, f"{name} endpoint", text_field(f"{channel}_http_url", "https://…"))
            self._add_secret(form, f"{name} token", f"{channel}_http_token")
        return frame

    def _tracking_card(self) -> QWidget:
        frame, form = card("Tracking", ABOUT_TRACKING)
        self._add(form, "", flag_field("tracking", "Track opens and clicks in emails"))
        self._add(form, "Public base URL", text_field("tracking_base_url", "https://…"))
        self.tracking = TrackingPanel(self.context, form, self)
        self.tracking.hide()  # its rows live in the form; the panel itself holds no layout
        column = frame.layout()
        assert column is not None
        column.addWidget(self.tracking.state)  # under the form, across the card
        return frame

    def values(self) -> dict[str, object]:
        return {key: field.read() for key, field in self.fields.items()}

    def typed_secrets(self) -> dict[str, str]:
        return {name: field.typed() for name, field in self.secret_fields.items() if field.typed()}

    def _edited(self, *_: object) -> None:
        self._enable_transport_fields()
        if self.snapshot is None:
            return
        dirty = self.is_dirty()
        self.save_button.setEnabled(dirty)
        self.revert_button.setEnabled(dirty)
        self.state.setText("Unsaved changes." if dirty else "")

    def is_dirty(self) -> bool:
        stored = self.snapshot.values if self.snapshot else {}
        changed = any(stored.get(key) != value for key, value in self.values().items())
        return changed or bool(self.typed_secrets())

    def _enable_transport_fields(self) -> None:
        for transport, (needs, keys) in TRANSPORT_FIELDS.items():
            used = self.fields[transport].read() == needs
            for key in keys:
                widget = self.fields[key].editor if key in self.fields else self.secret_fields[key]
                widget.setEnabled(used)

    # -- load and save -------------------------------------------------------------------

    def _store(self) -> SecretStore:
        if self._secrets is None:
            self._secrets = default_secrets()
        return self._secrets

    def revert(self) -> None:
        """Show what the workspace and the secret store hold, dropping unsaved edits."""
        workspace = self.context.workspace
        self._set_busy(True)
        self.context.background.submit(
            lambda: load_settings(workspace, self._store()), self._show, self._failed
        )

    def _show(self, snapshot: SettingsSnapshot) -> None:
        self.snapshot = None  # edits made by filling the form are not the user's
        for key, field in self.fields.items():
            field.write(snapshot.values[key])
            field.show_error(None)
        for name, secret in self.secret_fields.items():
            secret.show_state(snapshot.secrets_set[name], snapshot.secrets_place,
                              snapshot.secrets_where)  # fmt: skip
        self.snapshot = snapshot
        self._set_busy(False)
        self._edited()
        self.loaded.emit()

    def save(self) -> None:
        """Check and write every setting in one transaction, then store typed secrets."""
        workspace, values, typed = self.context.workspace, self.values(), self.typed_secrets()
        for field in self.fields.values():
            field.show_error(None)
        self._set_busy(True)
        self.state.setText("Saving…")

        def work() -> SettingsSnapshot:
            save_settings(workspace, values, self._store(), typed)
            return load_settings(workspace, self._store())

        def done(snapshot: SettingsSnapshot) -> None:
            self._show(snapshot)
            self.state.setText("Saved.")
            self.saved.emit()

        self.context.background.submit(work, done, self._failed)

    def _failed(self, error: BaseException) -> None:
        self._set_busy(False)
        if isinstance(error, SettingsRefused):
            for key, reason in error.errors.items():
                if key in self.fields:
                    self.fields[key].show_error(reason.capitalize())
            count = len(error.errors)
            self.state.setText(
                f"{count} field{'' if count == 1 else 's'} need{'s' if count == 1 else ''} "
                "attention; nothing was saved."
            )
            return
        self.state.setText(f"Could not read or save the settings: {error}")

    def _set_busy(self, busy: bool) -> None:
        self.save_button.setEnabled(not busy and self.is_dirty())
        self.revert_button.setEnabled(not busy and self.is_dirty())

    def send_test_email(self) -> None:
        """Send a test email with the saved settings (unsaved edits would not be used)."""
        self.test_result.show()
        if self.is_dirty():
            self._test_done("Save the settings first: the test uses what is saved.", ok=False)
            return
        workspace, address = self.context.workspace, self.test_address.text()
        self.test_button.setEnabled(False)
        self.test_result.setText("Sending…")
        self.context.background.submit(
            lambda: send_test_email(workspace, address, self._store()),
            lambda where: self._test_done(f"Test email {where}.", ok=True),
            lambda error: self._test_done(f"Not sent: {error}", ok=False),
        )

    def _test_done(self, text: str, ok: bool) -> None:
        self.test_button.setEnabled(True)
        self.test_result.setText(text)
        self.test_result.setProperty("state", "ok" if ok else "error")
        self.test_result.style().unpolish(self.test_result)
        self.test_result.style().polish(self.test_result)

    def stop_tracking_server(self) -> None:
        """Stop the tracking server if it runs (for the window's close)."""
        self.tracking.stop_server()
