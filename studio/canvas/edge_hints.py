"""Buttons at the canvas edges naming the layers beyond them: a wide network scrolls (fit never shrinks
the cards below 80 %), and "2 more layers ▸" says so and scrolls there on a click."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QGraphicsView, QToolButton

from studio import theme


class EdgeHints(QObject):
    """The two buttons of one :class:`studio.canvas.view.NetworkView` (``left``, ``right``)."""

    def __init__(self, view: QGraphicsView) -> None:
        super().__init__(view)
        self.view = view
        self.left = self._button("left")
        self.right = self._button("right")

    def _button(self, side: str) -> QToolButton:
        button = QToolButton(self.view)  # child of the view, not the viewport: scrolling does not move it
        button.setObjectName(f"more_{side}")
        button.setCursor(Qt.CursorShape.PointingHandCursor)
        button.clicked.connect(lambda: self.reveal(side))
        button.hide()
        return button

    def hidden_layers(self) -> tuple[list[str], list[str]]:
        """Ids of the layers cut by or beyond the left and the right edge of the view, in chain order."""
        view = self.view
        scene = view.scene()
        if scene is None:  # the view is being torn down
            return [], []
        visible = view.mapToScene(view.viewport().rect()).boundingRect()
        items = sorted(scene.items_by_id.items(), key=lambda kv: kv[1].scenePos().x())
        left, right = [], []
        for nid, item in items:
            card = item.mapRectToScene(item.card_rect())
            if card.left() < visible.left() - 0.5:
                left.append(nid)
            elif card.right() > visible.right() + 0.5:
                right.append(nid)
        return left, right

    def update(self) -> None:
        """Show "◂ 2 more layers" / "3 more layers ▸" where layers lie beyond an edge, else hide."""
        th = theme.current()
        vp = self.view.viewport().geometry()
        for button, ids in zip((self.left, self.right), self.hidden_layers(), strict=True):
            if not ids:
                button.hide()
                continue
            count = f"{len(ids)} more layer{'s' * (len(ids) != 1)}"
            button.setText(f"◂ {count}" if button is self.left else f"{count} ▸")
            button.setToolTip(f"Not in view: {', '.join(ids)}. Click or drag the background to scroll.")
            button.setStyleSheet(
                f"QToolButton {{ background: {th.card}; color: {th.text}; border: 1px solid {th.card_border};"
                " border-radius: 10px; padding: 3px 8px; font-weight: 600; }"
            )
            button.adjustSize()
            x = vp.left() + 8 if button is self.left else vp.right() - button.width() - 8
            button.move(x, vp.top() + 10)
            button.show()
            button.raise_()

    def reveal(self, side: str) -> None:
        """Scroll so the nearest layer beyond ``side`` ("left" | "right") comes into view."""
        left, right = self.hidden_layers()
        ids = left[-1:] if side == "left" else right[:1]
        if ids:
            item = self.view.scene().items_by_id[ids[0]]
            self.view.ensureVisible(item.mapRectToScene(item.card_rect()), 24, 24)
