from .phone import format_e164
