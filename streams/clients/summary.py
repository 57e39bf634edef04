"""Readable one-screen summaries of enriched articles and alerts, for the demo and `process --summary`."""

from schemas import Alert, EnrichedArticle


def summarize_article(article: EnrichedArticle, *, max_entities: int = 12) -> str:
    esc = article.escalation
    desk = article.section
    lines = [
        f"== {article.title or article.id}  [{article.id}]",
        f"   desk: {desk.desk} ({desk.iptc or '-'}, confidence {desk.confidence:.2f})",
        f"   sections: {' | '.join(s.heading or '(lead)' for s in article.sections)}",
        f"   escalation: {esc.level} (score {esc.score:.1f}, alert={'yes' if esc.alert else 'no'})"
        + (f" categories: {', '.join(esc.categories)}" if esc.categories else ""),
    ]
    ranked = sorted(article.entities, key=lambda e: (-e.salience, -len(e.mentions), e.name))
    ents = ", ".join(f"{e.name} ({e.type}, {len(e.mentions)})" for e in ranked[:max_entities])
    more = f" ... +{len(ranked) - max_entities}" if len(ranked) > max_entities else ""
    lines.append(f"   entities: {ents}{more}")
    lines.append(f"   quotes ({len(article.quotes)}):")
    for q in article.quotes:
        text = q.text if len(q.text) <= 90 else q.text[:87] + "..."
        lines.append(f"     - {q.speaker or '(unattributed)'}: \u201c{text}\u201d")
    return "\n".join(lines)


def summarize_alert(alert: Alert) -> str:
    raised_by = "the alert lane" if alert.assessment == "lane" else "the full assessment"
    lines = [
        f"!! ALERT {alert.level.upper()} (score {alert.score:.1f}) {alert.title}  [{alert.article_id}]",
        f"   raised by {raised_by} at {alert.created_at.strftime('%H:%M:%S.%f')[:-3]}",
        f"   categories: {', '.join(alert.categories)}",
        f"   actors: {', '.join(a.name for a in alert.actors)}",
    ]
    for ev in alert.evidence[:4]:
        sentence = ev.sentence if len(ev.sentence) <= 140 else ev.sentence[:137] + "..."
        lines.append(f"   evidence [{ev.category}: {', '.join(ev.terms)}] {sentence}")
    return "\n".join(lines)
