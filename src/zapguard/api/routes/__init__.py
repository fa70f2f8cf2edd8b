"""One router per resource (native ``/v1`` API), per provider dialect (drop-in surfaces) and for the
provider webhooks."""
