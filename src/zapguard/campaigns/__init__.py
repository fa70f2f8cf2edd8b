"""Campaigns: audiences, campaign texts (spintax, placeholders, link checks), capacity planning and
the scheduler that spreads sends over a pool's campaign lines, always through the gateway's policy."""
