"""A stand-in for Colab's ``google.colab`` module, for the Colab-like check (tools/colab_check.py).

Only what tells a notebook that it runs in Colab: the module can be imported. ``google`` stays a
namespace package (no ``google/__init__.py`` here), so that ``google.protobuf``, which TensorFlow
imports, is still found in the environment's site-packages.

Example: ``PYTHONPATH=tools/colab_stub python -c "import google.colab, google.protobuf"``
"""

__version__ = "0.0.1a2"  # what Colab's own module says
STAND_IN = True  # the real module has no such name
