"""Judging recorded traffic: the replay log format and its runner, and the audit of WhatsApp chat
exports and replay logs (``zapguard audit``)."""
