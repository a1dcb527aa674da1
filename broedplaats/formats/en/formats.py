"""English date formats of the interface (FORMAT_MODULE_PATH), over Django's defaults for "en":
the month written out in sentences ("January 1, 2027", not "Jan. 1, 2027") and the month's
short name in tables ("Jan 1, 2027", not the ambiguous "01/01/2027"). Dutch keeps Django's
own: "1 januari 2027" and "1-1-2027". See chains/formatting.py."""

DATE_FORMAT = "F j, Y"
DATETIME_FORMAT = "F j, Y, H:i"
SHORT_DATE_FORMAT = "M j, Y"
SHORT_DATETIME_FORMAT = "M j, Y, H:i"
