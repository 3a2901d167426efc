"""Install hints give the command that works for how ffstudio was installed (PEP 610 direct_url.json)."""

from __future__ import annotations

from core.installation import extra_hint, install_extra_command


def test_normal_install_uses_the_package_index() -> None:
    assert install_extra_command("export", None) == 'pip install "ffstudio[export]"'
    wheel = {"url": "file:///tmp/ffstudio-0.1.0-py3-none-any.whl", "archive_info": {}}
    assert install_extra_command("export", wheel) == 'pip install "ffstudio[export]"'
    not_editable = {"url": "file:///src/ffstudio", "dir_info": {}}
    assert install_extra_command("export", not_editable) == 'pip install "ffstudio[export]"'


def test_editable_checkout_uses_its_own_venv_pip() -> None:
    editable = {"url": "file:///home/ana/ffstudio", "dir_info": {"editable": True}}
    assert install_extra_command("export", editable, "/home/ana/ffstudio/.venv/bin/python") == \
        'cd /home/ana/ffstudio && .venv/bin/pip install -e ".[export]"'
    # an environment outside the checkout: its pip by absolute path
    assert install_extra_command("export", editable, "/opt/env/bin/python3") == \
        'cd /home/ana/ffstudio && /opt/env/bin/pip install -e ".[export]"'
    spaced = {"url": "file:///home/ana/my%20nets", "dir_info": {"editable": True}}
    assert install_extra_command("dev", spaced, "/home/ana/my nets/.venv/bin/python") == \
        "cd '/home/ana/my nets' && .venv/bin/pip install -e \".[dev]\""


def test_the_running_installation_is_read_without_error() -> None:
    hint = extra_hint("export")
    assert hint == 'pip install "ffstudio[export]"' or hint.endswith('install -e ".[export]"')
