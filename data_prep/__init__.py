"""Converters from COCO, clothing co-parsing (CCP) and multi-human parsing (MHP) into the authors'
dataset layout (``<phase>A/<id>.png``, ``<phase>A_seg/<id>_<k>.png``, same for B).

Run ``python -m data_prep.coco --help`` (or ``.ccp``, ``.mhp``).
"""
