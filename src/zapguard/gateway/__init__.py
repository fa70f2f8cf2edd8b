"""Services that put the policy in the path of messages: decide and reserve, apply events, register
lines. The HTTP gateway, outbox and dispatcher grow here."""
