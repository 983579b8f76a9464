from . import pos_config_demo
