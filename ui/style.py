"""The look: big touch targets, calm colours, red only for problems."""

STYLE_SHEET = """
QWidget { font-size: 15px; }
QPushButton { padding: 6px 12px; border-radius: 6px; background: #eef1f5;
              border: 1px solid #c5ccd6; }
QPushButton:pressed { background: #d6dde8; }
QPushButton:focus { border: 2px solid #2b6cb0; }
QPushButton#saleButton { background: #2f855a; color: white; font-size: 20px; font-weight: bold; }
QPushButton#confirmButton { background: #2b6cb0; color: white; font-weight: bold; }
QPushButton#signInButton { background: #2b6cb0; color: white; font-size: 18px; }
QLineEdit, QSpinBox { padding: 4px 8px; font-size: 18px; border: 1px solid #a0aec0;
                      border-radius: 4px; }
QLineEdit#codeInput { font-size: 20px; }
QLineEdit#amountInput { font-size: 26px; font-weight: bold; }
QLineEdit#pinInput { font-size: 28px; letter-spacing: 6px; }
QLabel#amountDisplay { font-size: 30px; font-weight: bold; color: #1a202c; }
QLabel#viewTitle { font-size: 26px; font-weight: bold; }
QLabel#viewSubtitle { color: #4a5568; }
QFrame#memberPanel { background: #f7fafc; border: 1px solid #cbd5e0; border-radius: 8px; }
QLabel#memberName { font-size: 28px; font-weight: bold; }
QLabel#memberBadges { font-size: 16px; color: #2c5282; }
QLabel#memberContact { color: #4a5568; }
QLabel#memberPoints, QLabel#memberStoredValue { font-size: 26px; font-weight: bold; }
QLabel#memberExpiring { color: #b7791f; font-size: 18px; }
QLabel#memberStamps { font-size: 18px; }
QLabel#memberPrompts { background: #fffbea; border: 1px solid #f6e05e; border-radius: 6px;
                       padding: 6px; }
QLabel#memberPlaceholder { color: #718096; font-size: 18px; }
QFrame#confirmPanel { background: #ebf8ff; border: 2px solid #3182ce; border-radius: 8px; }
QLabel#confirmTitle { font-size: 18px; font-weight: bold; }
QLabel#confirmBody { font-size: 17px; }
QLabel[problem="true"] { color: #c53030; }
QLabel[ok="true"] { color: #276749; }
QLabel#offlineBanner { background: #c53030; color: white; font-size: 16px; padding: 8px; }
QStatusBar QLabel { padding: 0 8px; }
"""
