"""What a debtor's reply says, read without a database: a request to stop, an automatic reply
(not a contact), the reply without the quoted message, and what it suggests (paid, a promise
with its date, a dispute).

Texts are typed by the public, in Portuguese mostly, with or without accents, in any case and
with any punctuation: each function reads a *normalized* form (``normalize``). They suggest;
nothing here decides, but for ``stop_request``, which the law makes binding at once (CDC 42,
LGPD): so it matches a whole short message or an unambiguous phrase only.
"""

import calendar
import re
import unicodedata
from datetime import date, timedelta

from lxml import etree, html

STOP_CHANNEL = "channel"  # stop messages on the channel the request came by
STOP_PHONE = "phone"  # stop calls ("não me ligue"), whatever the channel it came by

# A whole message that is one of these words (politeness aside) asks to stop.
STOP_WORDS = frozenset(
    {
        "parar",
        "pare",
        "parem",
        "para",
        "sair",
        "stop",
        "cancelar",
        "cancela",
        "descadastrar",
        "descadastrar numero",
        "remover",
        "unsubscribe",
        "parar mensagens",
        "parar de receber",
    }
)
# Words that may surround a stop word without changing what it says.
POLITENESS = re.compile(
    r"^(?:(?:por favor|favor|pf|pfv|pfvr|quero|eu quero|gostaria de)\s+)*(.*?)"
    r"(?:\s+(?:por favor|favor|pf|pfv|pfvr|obrigad[oa]|grat[oa]|obg|ok))*$"
)
# Phrases that ask to stop wherever they are in the message.
STOP_PHONE_PHRASES = re.compile(
    r"\b(?:nao me (?:ligue|liguem|ligar)|(?:para|pare|parem|parar) de me ligar|"
    r"nao (?:quero|aceito) (?:mais )?(?:receber )?(?:ligacoes|ligacao|chamadas)|nao liguem? mais)\b"
)
STOP_CHANNEL_PHRASES = re.compile(
    r"\b(?:nao quero (?:mais )?receber(?: mais)?|"
    r"(?:para|pare|parem|parar) de (?:me )?(?:mandar|enviar|receber|incomodar)|"
    r"nao (?:me )?(?:mande|mandem|envie|enviem) mais|"
    r"(?:me )?(?:tire|tirem|retire|retirem|remova|removam) (?:da|dessa|desta) lista|"
    r"(?:remover|remova|removam|excluir|exclua|excluam) (?:o )?meu (?:numero|contato|email|e mail)|"
    r"descadastr\w*)\b"
)

# Headers of automatic messages (RFC 3834, and what Exchange and others add).
AUTO_HEADERS = ("x-autoreply", "x-autorespond", "x-autoresponder", "x-failed-recipients", "x-auto-reply")
AUTO_PRECEDENCE = frozenset({"bulk", "auto_reply", "junk", "auto-reply"})
AUTO_SUBJECT = re.compile(
    r"^(?:(?:re|fw|fwd|enc|res)\s*:\s*)*"
    r"(?:out of (?:the )?office|automatic reply|auto[- ]?reply|autoreply|auto[- ]?response|"
    r"resposta automatica|ausencia temporaria|fora do escritorio|"
    r"undeliverable|undelivered mail|delivery status notification|delivery failure|mail delivery failed|"
    r"returned mail|failure notice|nao e possivel entregar|mensagem nao entregue|falha na entrega|"
    r"confirmacao de leitura|read receipt)\b"
)
# Read receipts name themselves before a colon ("Read: ...", "Lida: ...").
RECEIPT_SUBJECT = re.compile(r"^\s*(?:read|lido|lida|not read|n[aã]o lida|n[aã]o lido)\s*:", re.I)

# Where the quoted message starts in a reply, line by line.
QUOTE_STARTS = (
    re.compile(r"^\s*>"),
    re.compile(r"^\s*-{2,}\s*(?:original message|mensagem original|forwarded message|mensagem encaminhada)", re.I),
    re.compile(r"^\s*_{10,}\s*$"),
    re.compile(r"^\s*(?:de|from)\s*:\s*\S.*$", re.I),
)
# "Em seg., 7 de dez. de 2026 às 10:00, Fulano <x@y> escreveu:" (mail clients wrap it).
QUOTE_HEADER = re.compile(
    r"^\s*(?:em|on|le|el)\s[^\n]{0,200}?(?:\n[^\n]{0,200}?)?(?:escreveu|wrote|a ecrit|escribio)\s*:", re.I | re.M
)
QUOTE_CLASSES = ("gmail_quote", "moz-cite-prefix", "divRplyFwdMsg", "yahoo_quoted", "OutlookMessageHeader")

PAID = "paid"
PROMISE = "promise"
DISPUTE = "dispute"

DISPUTE_PHRASES = re.compile(
    r"\b(?:nao (?:reconheco|conheco)|desconheco|nao (?:fiz|realizei|efetuei) (?:essa|esta|nenhuma|tal|a)? ?compra|"
    r"nao comprei|nunca comprei|"
    r"(?:isso|isto|essa divida|esta divida|essa conta|essa compra|essa cobranca) nao e (?:meu|minha)|"
    r"nao e (?:minha|meu) (?:divida|conta|compra)|nao devo (?:nada|isso)|nao contratei|nao autorizei|"
    r"cobranca indevida|fraude|golpe|clonaram|clonado|nao tenho (?:essa |nenhuma )?divida)\b"
)
PAID_PHRASES = re.compile(
    r"\b(?:(?:ja )?paguei|(?:ja )?quitei|ja (?:foi|esta|ta|estao|foram) (?:pago|paga|pagos|pagas|quitad[oa]s?)|"
    r"(?:ja )?(?:fiz|efetuei|realizei) o (?:pagamento|pix|deposito)|(?:ja )?(?:fiz|mandei) (?:o )?pix|"
    r"pagamento (?:ja )?(?:foi )?(?:feito|efetuado|realizado)|ja transferi|segue (?:o )?comprovante|"
    r"(?:envio|enviei|mandei) (?:o )?comprovante)\b"
)
NOT_PAID = re.compile(r"\bnao (?:\w+ )?(?:paguei|quitei|fiz o pagamento|fiz o pix)\b|\bainda nao\b")
PROMISE_WORDS = re.compile(
    r"\b(?:pago|pagar|pagarei|pagaria|pagamento|consigo|posso|vou|irei|acerto|acertar|quito|quitar|deposito|"
    r"depositar|transfiro|transferir|faco|fazer|mando|recebo|receber|prometo|ate)\b"
)
NOT_PROMISE = re.compile(r"\bnao (?:consigo|posso|vou|tenho como) (?:pagar|acertar|quitar)\b")
ONLY = re.compile(r"\b(?:so|somente|apenas)\b")

WEEKDAYS = {
    "segunda": 0,
    "terca": 1,
    "quarta": 2,
    "quinta": 3,
    "sexta": 4,
    "sabado": 5,
    "domingo": 6,
}
DAY_MONTH = re.compile(r"\b(?:dia\s+)?([0-3]?\d)\s*/\s*([01]?\d)(?:\s*/\s*(\d{2}|\d{4}))?\b")
DAY_ONLY = re.compile(r"\bdia\s+([0-3]?\d)\b")
WEEKDAY = re.compile(r"\b(segunda|terca|quarta|quinta|sexta|sabado|domingo)(?:\s*feira)?\b")
RELATIVE_PAST = {"anteontem": -2, "ontem": -1, "hoje": 0}
RELATIVE_FUTURE = {"depois de amanha": 2, "amanha": 1, "hoje": 0}


def normalize(text):
    """Lower case, accents and punctuation removed, white space collapsed (``/`` kept, for dates)."""
    text = unicodedata.normalize("NFKD", str(text or ""))
    text = "".join(char for char in text if not unicodedata.combining(char)).lower()
    text = re.sub(r"[^\w/]+", " ", text, flags=re.UNICODE).replace("_", " ")
    return " ".join(text.split())


def stop_request(text):
    """Whether ``text`` asks to stop: ``STOP_PHONE`` ("não me ligue"), ``STOP_CHANNEL`` (stop
    messages on the channel it came by: "PARAR", "SAIR", "não quero mais receber"), else ``None``.

    A short message that is one stop word ("PARAR", "Sair, por favor") or a clear phrase
    anywhere ("não quero mais receber essas mensagens"); a word in a sentence is not
    ("não consigo parar de pensar nessa dívida" asks nothing).
    """
    norm = normalize(text)
    if not norm:
        return None
    if STOP_PHONE_PHRASES.search(norm):
        return STOP_PHONE
    core = POLITENESS.match(norm).group(1)
    if core in STOP_WORDS or norm in STOP_WORDS:
        return STOP_CHANNEL
    if STOP_CHANNEL_PHRASES.search(norm):
        return STOP_CHANNEL
    return None


def auto_reply_reason(headers, subject="", content_type=""):
    """Why an e-mail is not a contact (an automatic reply, a bounce, a read receipt), else ``None``.

    ``headers``: ``{lower-case name: value}``; ``content_type`` the message's, with its parameters.
    """
    headers = {str(name).lower(): str(value or "").strip().lower() for name, value in (headers or {}).items()}
    content_type = str(content_type or "").lower()
    auto_submitted = headers.get("auto-submitted", "")
    normalized_subject = normalize(subject)
    checks = (
        ("receipt", "disposition-notification" in content_type),
        ("bounce", content_type.startswith("multipart/report")),
        ("auto_reply", bool(auto_submitted) and auto_submitted != "no"),
        ("bounce", bool(headers.get("x-failed-recipients")) or headers.get("return-path") == "<>"),
        ("auto_reply", any(headers.get(name) for name in AUTO_HEADERS)),
        ("auto_reply", headers.get("precedence", "") in AUTO_PRECEDENCE),
        ("receipt", bool(RECEIPT_SUBJECT.match(str(subject or "")))),
        ("auto_reply", bool(AUTO_SUBJECT.search(normalized_subject))),
    )
    return next((reason for reason, matched in checks if matched), None)


def drop_quoted_html(body):
    """The HTML of a reply without the message it quotes (``blockquote``, Gmail's and Outlook's
    quote blocks and everything after them)."""
    if not body or not str(body).strip():
        return ""
    try:
        root = html.fromstring(str(body))
    except (etree.ParserError, ValueError):
        return str(body)
    for node in list(root.iter("blockquote")):
        if node.getparent() is not None:
            node.getparent().remove(node)
    for css in QUOTE_CLASSES:
        for node in root.xpath(
            f"//*[contains(concat(' ', normalize-space(@class), ' '), ' {css} ')] | //*[@id='{css}']"
        ):
            parent = node.getparent()
            if parent is None:
                continue
            for following in list(node.itersiblings()):
                parent.remove(following)
            parent.remove(node)
    return html.tostring(root, encoding="unicode")


def strip_quoted_reply(text):
    """The reply's own words: ``text`` (plain) up to the quoted message ("> ...", "Em ... escreveu:",
    "-----Original Message-----", an Outlook header block). All of ``text`` if nothing is left."""
    text = str(text or "").replace("\r\n", "\n").replace("\r", "\n")
    cut = len(text)
    header = QUOTE_HEADER.search(text)
    if header:
        cut = header.start()
    offset = 0
    for line in text.split("\n"):
        if offset >= cut:
            break
        if any(pattern.match(line) for pattern in QUOTE_STARTS):
            cut = offset
            break
        offset += len(line) + 1
    reply = text[:cut].strip()
    return reply or text.strip()


def _day_in_month(year, month, day):
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _month_day(day, today, future):
    """The day of month ``day`` nearest ``today`` on the side asked (this month or the next/last)."""
    if not 1 <= day <= 31:
        return None
    this_month = _day_in_month(today.year, today.month, day)
    if future:
        if this_month >= today:
            return this_month
        year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
        return _day_in_month(year, month, day)
    if this_month <= today:
        return this_month
    year, month = (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)
    return _day_in_month(year, month, day)


def _day_month(day, month, year, today, future):
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return None
    if year:
        year = int(year)
        year = year + 2000 if year < 100 else year
        try:
            return date(year, month, day)
        except ValueError:
            return None
    for candidate_year in (today.year, today.year + 1) if future else (today.year, today.year - 1):
        try:
            found = date(candidate_year, month, day)
        except ValueError:
            continue
        if (future and found >= today) or (not future and found <= today):
            return found
    return None


def find_date(text, today, future=True):
    """The first date ``text`` names, relative to ``today`` (the message's date): "hoje",
    "amanhã", "ontem", a weekday ("sexta": the next one, or the last one when ``future`` is
    false), "dia 10" (the next 10th, or the last one), "15/01" or "15/01/2027". ``None`` if none."""
    norm = normalize(text)
    relative = RELATIVE_FUTURE if future else RELATIVE_PAST
    found = []
    for word, days in relative.items():
        match = re.search(rf"\b{word}\b", norm)
        if match:
            found.append((match.start(), today + timedelta(days=days)))
    for match in DAY_MONTH.finditer(norm):
        day_month = _day_month(int(match.group(1)), int(match.group(2)), match.group(3), today, future)
        if day_month:
            found.append((match.start(), day_month))
    for match in DAY_ONLY.finditer(norm):
        if norm[match.end() : match.end() + 1] == "/":
            continue
        month_day = _month_day(int(match.group(1)), today, future)
        if month_day:
            found.append((match.start(), month_day))
    for match in WEEKDAY.finditer(norm):
        weekday = WEEKDAYS[match.group(1)]
        ahead, behind = (weekday - today.weekday()) % 7 or 7, (today.weekday() - weekday) % 7 or 7
        days = ahead if future else -behind
        found.append((match.start(), today + timedelta(days=days)))
    if not found:
        return None
    return min(found, key=lambda item: item[0])[1]


def suggest_meaning(text, today):
    """What a reply seems to say: ``(PAID, date or None)`` ("paguei ontem", "já paguei"),
    ``(PROMISE, date)`` ("só consigo dia 10", "pago sexta", "posso pagar dia 15/01"),
    ``(DISPUTE, None)`` ("não reconheço essa compra", "isso não é meu"), else ``(None, None)``.

    Dates are read relative to ``today``, the message's date: in the past for a payment, in the
    future for a promise. A suggestion only: the agent decides.
    """
    norm = normalize(text)
    if not norm:
        return None, None
    if DISPUTE_PHRASES.search(norm):
        return DISPUTE, None
    if PAID_PHRASES.search(norm) and not NOT_PAID.search(norm):
        return PAID, find_date(text, today, future=False)
    promised = find_date(text, today, future=True)
    if promised and PROMISE_WORDS.search(norm) and (ONLY.search(norm) or not NOT_PROMISE.search(norm)):
        return PROMISE, promised
    return None, None
