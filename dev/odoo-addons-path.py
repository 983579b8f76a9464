"""Print Odoo's own addons folders (comma-separated) for the Python running this script."""

import glob
import os

import odoo

import odoo.addons

root = os.path.dirname(os.path.abspath(odoo.__file__))
candidates = [*odoo.addons.__path__, os.path.join(root, "addons"), os.path.join(root, os.pardir, "addons")]
paths = []
for candidate in candidates:
    path = os.path.realpath(candidate)
    if path not in paths and glob.glob(os.path.join(path, "*", "__manifest__.py")):
        paths.append(path)
print(",".join(paths))
