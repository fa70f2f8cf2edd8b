"""Campaign services: audience import, variation, scheduling over the campaign pool."""
