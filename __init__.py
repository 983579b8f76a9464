from . import controllers
from . import models
from . import reports
from . import wizards
from . import demo
from .hooks import post_init_hook
