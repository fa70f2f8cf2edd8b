"""The rule catalogue: stable codes, the seed tip each enforces, and their explanations.

Codes never change meaning; a retired rule keeps its code reserved. ``curable`` marks findings about
the sending line, which another line of the tenant may cure (the verdict is then a reroute).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from zapguard.domain.models import Finding, Severity

__all__ = [
    "CATALOGUE",
    "RULES",
    "SEED_TIPS",
    "Rule",
    "finding",
    "num_en",
    "num_pt",
    "when_en",
    "when_pt",
]


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    family: str
    seed_tip: int | None
    """The seed tip the rule enforces; ``None`` for a rule about what Meta or WhatsApp enforce
    after the fact, which ``source`` documents instead."""
    severity: Severity
    curable: bool
    title_pt: str
    title_en: str
    why_pt: str
    why_en: str
    default_pt: str
    default_en: str
    source: str | None = None
    """Where the facts the rule rests on are published (Meta's documentation, a gateway's code)."""


RULES: tuple[Rule, ...] = (
    Rule(
        "ZG101",
        "identity",
        1,
        Severity.WARN,
        True,
        "Linha deve ser WhatsApp Business",
        "Line must be a WhatsApp Business account",
        "O WhatsApp pessoal é julgado por algoritmos de bloqueio mais severos que o Business.",
        "Personal WhatsApp accounts are judged by stricter ban algorithms than Business ones.",
        "aviso no cadastro e em cada envio; risco maior",
        "warning on register and on each send; higher risk",
    ),
    Rule(
        "ZG102",
        "identity",
        1,
        Severity.WARN,
        False,
        "Boas-vindas pertencem ao aplicativo",
        "Welcome greeting belongs in the app",
        "A saudação automática deve ser configurada no WhatsApp Business, não enviada pelo bot.",
        "The automatic greeting belongs in the WhatsApp Business app, not in the bot.",
        "aviso",
        "warning",
    ),
    Rule(
        "ZG201",
        "consent",
        2,
        Severity.REJECT,
        False,
        "Marketing exige opt-in",
        "Marketing needs an opt-in",
        "Sem autorização registrada, poucas denúncias de spam bastam para banir o número.",
        "Without a recorded opt-in, a dozen spam reports are enough to ban the number.",
        "rejeitar",
        "reject",
    ),
    Rule(
        "ZG202",
        "consent",
        2,
        Severity.REJECT,
        False,
        "Contato descadastrado",
        "Contact opted out",
        "Quem pediu para sair só recebe respostas dentro de uma conversa aberta por ele.",
        "An opted-out contact only gets replies inside a conversation they opened.",
        "rejeitar",
        "reject",
    ),
    Rule(
        "ZG203",
        "consent",
        2,
        Severity.INFO,
        False,
        "Palavra de descadastro recebida",
        "Opt-out keyword received",
        "Uma mensagem que é só SAIR, PARAR, CANCELAR, DESCADASTRAR, REMOVER ou STOP revoga o consentimento.",
        "A message that is only SAIR, PARAR, CANCELAR, DESCADASTRAR, REMOVER or STOP revokes consent.",
        "registrar e confirmar",
        "record and confirm",
    ),
    Rule(
        "ZG301",
        "roles",
        3,
        Severity.REJECT,
        True,
        "Sem campanhas no número receptivo",
        "No campaigns from the receptive line",
        "Campanhas vão para números de campanha descartáveis, nunca para o número receptivo.",
        "Campaigns go to disposable campaign numbers, never to the receptive line.",
        "redirecionar ao pool de campanha, senão rejeitar",
        "reroute to the campaign pool, else reject",
    ),
    Rule(
        "ZG302",
        "roles",
        3,
        Severity.REJECT,
        True,
        "Sem chat ativo no número receptivo",
        "No business-initiated chat from the receptive line",
        "O número receptivo só fala com quem escreveu para ele antes.",
        "The receptive line only talks to contacts who wrote to it first.",
        "rejeitar",
        "reject",
    ),
    Rule(
        "ZG401",
        "roles",
        4,
        Severity.REJECT,
        True,
        "Campanha isolada do receptivo",
        "Campaign line isolated from receptive lines",
        "Se a linha de campanha for banida, o receptivo no mesmo aparelho ou rede vai junto.",
        "If the campaign line is banned, a receptive line on the same device or network goes too.",
        "rejeitar envios de campanha; alerta no cadastro",
        "reject campaign sends; flag on register",
    ),
    Rule(
        "ZG501",
        "volume",
        5,
        Severity.DEFER,
        True,
        "Limite diário por linha",
        "Daily cap per line",
        "No máximo 6.000 mensagens por dia por número; acima disso, divida o tráfego.",
        "At most 6,000 messages a day per number; beyond that, split the traffic.",
        "redirecionar no pool, senão adiar",
        "reroute within the pool, else defer",
    ),
    Rule(
        "ZG502",
        "volume",
        5,
        Severity.WARN,
        True,
        "Rajada de mensagens curtas",
        "Burst of small messages",
        "Várias mensagens seguidas ao mesmo contato devem virar uma só.",
        "Several messages in a row to one contact should be merged into one.",
        "juntar na janela de 4 s",
        "merge within 4 s",
    ),
    Rule(
        "ZG503",
        "volume",
        5,
        Severity.WARN,
        True,
        "Ritmo humano",
        "Human pacing",
        "Intervalos aleatórios entre envios e no máximo 1 mensagem a cada 6 s por contato.",
        "Random gaps between sends and at most 1 message every 6 s per contact.",
        "intervalo de 2,5 a 7 s",
        "gap of 2.5 to 7 s",
    ),
    Rule(
        "ZG504",
        "volume",
        5,
        Severity.DEFER,
        False,
        "Horário comercial para campanhas",
        "Daytime only for campaigns",
        "Campanhas só no horário diurno do contato, de segunda a sábado.",
        "Campaigns only in the contact's daytime, Monday to Saturday.",
        "08:00-20:00, seg-sáb",
        "08:00-20:00, Mon-Sat",
    ),
    Rule(
        "ZG505",
        "volume",
        5,
        Severity.DEFER,
        False,
        "Texto de campanha idêntico",
        "Identical campaign text",
        "O mesmo texto para muitos contatos parece spam; varie com nome ou spintax.",
        "The same text to many contacts looks like spam; vary it with a name or spintax.",
        "no máximo 3 idênticos por hora",
        "at most 3 identical an hour",
    ),
    Rule(
        "ZG506",
        "portfolio",
        None,
        Severity.DEFER,
        True,
        "Limite de mensagens do portfólio Meta",
        "Meta portfolio messaging limit",
        "Os números de um portfólio da Meta dividem um limite de contatos alcançados fora da "
        "janela de atendimento em 24 h móveis (250, 2.000, 10.000, 100.000 ou ilimitado); o que "
        "passa dele falha depois do envio.",
        "A Meta portfolio's numbers share one limit on contacts reached outside the service "
        "window in a moving 24 h (250, 2,000, 10,000, 100,000 or unlimited); what goes past it "
        "fails after the fact.",
        "adiar até o alcance mais antigo sair da janela; alerta a 80 %",
        "defer until the oldest reach leaves the window; alert at 80%",
        "Meta, Messaging limits: developers.facebook.com/documentation/business-messaging/"
        "whatsapp/messaging-limits; tier webhooks: developers.facebook.com/documentation/"
        "business-messaging/whatsapp/webhooks/reference/phone_number_quality_update and "
        ".../webhooks/reference/business_capability_update",
    ),
    Rule(
        "ZG507",
        "templates",
        None,
        Severity.REJECT,
        False,
        "Modelo da Cloud API não aprovado ou de qualidade baixa",
        "Cloud API template not approved or of low quality",
        "A Meta só entrega modelos aprovados; insistir num modelo pausado, desativado, rejeitado "
        "ou pendente só gera falhas, e um modelo de qualidade vermelha é o passo antes da pausa.",
        "Meta only delivers approved templates; sending a paused, disabled, rejected or pending "
        "one only fails, and a template of quality RED is the step before Meta pauses it.",
        "rejeitar modelo não APPROVED; adiar 24 h modelo RED (liberável por modelo); modelo nunca "
        "visto passa",
        "reject a template not APPROVED; defer a RED one 24 h (overridable per template); a "
        "template never seen passes",
        "Meta, webhooks message_template_status_update (developers.facebook.com/documentation/"
        "business-messaging/whatsapp/webhooks/reference/message_template_status_update) and "
        "message_template_quality_update (.../webhooks/reference/"
        "message_template_quality_update): status events APPROVED, REJECTED, PENDING, PAUSED, "
        "DISABLED...; quality scores GREEN, YELLOW, RED, UNKNOWN",
    ),
    Rule(
        "ZG508",
        "meta_delivery",
        None,
        Severity.REJECT,
        False,
        "Marketing que a Meta não entrega",
        "Marketing Meta will not deliver",
        "Desde abril de 2025 a Meta não entrega modelos de marketing para números +1 (EUA) pela "
        "Cloud API; o envio só gera falha e custo.",
        "Since April 2025 Meta does not deliver marketing templates to +1 (US) numbers through "
        "the Cloud API; the send only fails.",
        "rejeitar marketing pela Cloud API para +1 fora da janela de atendimento",
        "reject Cloud API marketing to +1 outside the service window",
        "Meta, per-user marketing template message limits (developers.facebook.com/docs/"
        "whatsapp/cloud-api/guides/send-message-templates#per-user-marketing-template-message-"
        "limits): marketing templates to +1 numbers paused from April 1, 2025; AWS End User "
        "Messaging, WhatsApp message templates (docs.aws.amazon.com/end-user-messaging/latest/"
        "userguide/nx-features-whatsapp-templates.html)",
    ),
    Rule(
        "ZG601",
        "bans",
        6,
        Severity.REJECT,
        True,
        "Número ou aparelho já banido",
        "Number or device banned before",
        "Números e aparelhos bloqueados pelo WhatsApp no passado não devem ser usados.",
        "Numbers and devices that WhatsApp banned before must not be used.",
        "rejeitar",
        "reject",
    ),
    Rule(
        "ZG602",
        "bans",
        6,
        Severity.REJECT,
        True,
        "Quarentena por banimento vizinho",
        "Quarantine after a neighbour's ban",
        "Linhas no mesmo aparelho ou rede de uma linha banida ficam sob suspeita.",
        "Lines sharing a device or network with a banned line are under suspicion.",
        "quarentena + alerta",
        "quarantine + alert",
    ),
    Rule(
        "ZG701",
        "links",
        7,
        Severity.REJECT,
        False,
        "Links devem ser HTTPS",
        "Links must be HTTPS",
        "Links sem HTTPS são sinal de spam para o WhatsApp.",
        "Links without HTTPS are a spam signal for WhatsApp.",
        "rejeitar http://; avisar link sem esquema",
        "reject http://; warn on links without scheme",
    ),
    Rule(
        "ZG702",
        "links",
        7,
        Severity.REJECT,
        False,
        "Domínio marcado como spam",
        "Domain flagged as spam",
        "Links já marcados como spam derrubam o número que os envia.",
        "Links already flagged as spam bring down the number that sends them.",
        "rejeitar",
        "reject",
    ),
    Rule(
        "ZG703",
        "links",
        7,
        Severity.INFO,
        False,
        "Encurtar links no domínio próprio",
        "Shorten links on your own domain",
        "Links longos passam pelo encurtador do domínio da empresa; encurtadores públicos são evitados.",
        "Long links go through the business's own short-link domain; public shorteners are avoided.",
        "desligado até configurar",
        "off until configured",
    ),
    Rule(
        "ZG801",
        "presence",
        8,
        Severity.WARN,
        True,
        "Bot sozinho",
        "Bot alone",
        "Alguém deve usar o WhatsApp da linha de vez em quando: rolar chats, responder à mão.",
        "Someone should use the line's WhatsApp now and then: scroll chats, answer by hand.",
        "aviso após 24 h",
        "warning after 24 h",
    ),
    Rule(
        "ZG901",
        "warmup",
        9,
        Severity.DEFER,
        True,
        "Aquecimento de número novo",
        "Warm-up of a new number",
        "Número novo começa devagar: volume cresce dia a dia, primeiro conversas reais.",
        "A new number starts slowly: volume grows day by day, real conversations first.",
        "dia 1 = 20, ×1,5 ao dia",
        "day 1 = 20, ×1.5 a day",
    ),
    Rule(
        "ZG902",
        "replies",
        9,
        Severity.REJECT,
        False,
        "Contato que nunca responde",
        "Contact who never answers",
        "Mensagens ativas sem resposta viram denúncias; pare até o contato escrever.",
        "Unanswered business-initiated messages turn into reports; stop until the contact writes.",
        "pausar contato após 5 sem resposta",
        "pause the contact after 5 unanswered",
    ),
    Rule(
        "ZG903",
        "health",
        2,
        Severity.DEFER,
        True,
        "Saúde da linha",
        "Line health",
        "Bloqueios, denúncias e falhas reduzem a saúde; o limite cai e a linha pausa sozinha.",
        "Blocks, reports and failures lower health; the cap shrinks and the line pauses itself.",
        "metade do limite < 80, pausa < 40",
        "half cap < 80, pause < 40",
    ),
    Rule(
        "ZG905",
        "marketing_hold",
        None,
        Severity.DEFER,
        False,
        "Limite de marketing por pessoa (131049)",
        "Per-user marketing limit (131049)",
        "Depois de um 131049 a Meta segura o marketing para aquela pessoa, venha de qual número "
        "vier; insistir só gera mais falhas.",
        "After a 131049 Meta holds marketing to that person, from whichever number; insisting "
        "only fails again.",
        "adiar marketing ao contato 24 h, dobrando a cada repetição até 7 dias",
        "defer marketing to the contact 24 h, doubling on each repeat up to 7 days",
        "Meta, Cloud API error codes, 131049 (developers.facebook.com/documentation/"
        "business-messaging/whatsapp/support/error-codes) and per-user marketing template "
        "limits (developers.facebook.com/documentation/business-messaging/whatsapp/templates/"
        "marketing-templates); Meta publishes no duration: 24 h doubling to 7 days is "
        "configurable",
    ),
)

CATALOGUE: dict[str, Rule] = {rule.code: rule for rule in RULES}


def finding(
    code: str,
    message_pt: str,
    message_en: str,
    *,
    severity: Severity | None = None,
    line: str | None = None,
    not_before: datetime | None = None,
) -> Finding:
    """A finding of ``code``, weighing as the catalogue says unless ``severity`` overrides it."""
    return Finding(
        code=code,
        severity=severity or CATALOGUE[code].severity,
        message_pt=message_pt,
        message_en=message_en,
        line=line,
        not_before=not_before,
    )


def num_pt(value: float) -> str:
    """``6000`` → ``6.000``; ``2.5`` → ``2,5`` (Brazilian Portuguese)."""
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def num_en(value: float) -> str:
    """``6000`` → ``6,000``."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def when_pt(instant: datetime) -> str:
    return instant.strftime("%d/%m/%Y %H:%M %z")


def when_en(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%d %H:%M %z")


# The seed document's tips, quoted (shared/seed/como-nao-ter-o-numero-banido.md), with a gloss.
SEED_TIPS: dict[int, tuple[str, str]] = {
    1: (
        "Sempre use o WhatsApp Business [...]. Se possível defina uma mensagem automática de "
        "boas-vindas sempre no aplicativo WhatsApp de sua empresa e não no Bot.",
        "Always use WhatsApp Business; set the welcome greeting in the app, not in the bot.",
    ),
    2: (
        "Não use o WhatsApp para fins de marketing: a menos que seus contatos tenham autorizado o "
        'envio [...]. Uma dúzia de "Denunciar como spam" por seus usuários é suficiente para '
        "bloquear sua conta do WhatsApp.",
        "No marketing unless contacts opted in; a dozen spam reports are enough to ban the account.",
    ),
    3: (
        'Nunca use seu número receptivo para fazer campanhas [...] e nunca faça "chat ativo" '
        "(Iniciar chat sem o cliente ter entrado em contato antes) do seu número principal receptivo.",
        "Never campaign from the receptive number, and never start chats from it.",
    ),
    4: (
        "Não faça campanhas no mesmo dispositivo e rede do número receptivo [...] use outro celular "
        "e em outra rede de internet (outro IP).",
        "Campaigns on another phone and another network (IP) than the receptive number.",
    ),
    5: (
        "Não envie mais de 6000 mensagens / dia [...] sempre tente colocar tudo dentro de uma "
        "mensagem.",
        "No more than 6,000 messages a day; split traffic over more numbers; merge messages.",
    ),
    6: (
        "Não use números ou dispositivos que foram bloqueados pelo WhatsApp no passado.",
        "Never use numbers or devices that WhatsApp banned before.",
    ),
    7: (
        "Evite enviar links que foram marcados anteriormente como spam no Whatsapp ou que não sejam "
        "HTTPS. Um encurtador de URL é uma boa ideia.",
        "Avoid links flagged as spam or not HTTPS; a URL shortener is a good idea.",
    ),
    8: (
        "Não deixe seu bot rodando sozinho por muito tempo, de vez em quando abra o Whatsapp no "
        "dispositivo, role alguns chats, envie algumas mensagens manualmente [...].",
        "Don't leave the bot alone for long: now and then use the phone by hand.",
    ),
    9: (
        "Se você ativou um novo número [...] não comece a enviar mensagens desde o dia 1, sempre use "
        "um processo de aquecimento [...]. Simule conversas.",
        "A new number does not send from day 1: warm it up with real conversations first.",
    ),
}
