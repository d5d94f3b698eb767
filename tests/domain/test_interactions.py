"""Which events show that an interaction with a message happened (a click implies an open)."""

from app.domain.registry import interaction_event_types


def test_an_email_click_shows_it_was_opened_and_delivered() -> None:
    assert interaction_event_types("email", "opened") == ("email_opened", "email_clicked")
    assert interaction_event_types("email", "delivered") == (
        "email_delivered",
        "email_opened",
        "email_clicked",
    )
    assert interaction_event_types("email", "clicked") == ("email_clicked",)
    assert interaction_event_types("email", "bounced") == ("email_bounced",)


def test_each_channel_counts_only_its_own_events() -> None:
    assert interaction_event_types("sms", "delivered") == ("sms_delivered", "sms_clicked")
    assert interaction_event_types("push", "delivered") == ("push_delivered", "push_opened")
    assert interaction_event_types("push", "opened") == ("push_opened",)
