"""Judging recorded traffic: the replay log format, its runner, and (later) chat-export audits."""
