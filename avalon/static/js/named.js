// Whom the Assassin named and what they were, in words, for the end screen, the record
// and the replay: Merlin, the two lovers, Guinevere, or the Cleric and then a good role.
import { roleLabel, t } from "./text.js";

/** The assassination `a` ({assassin, target, as?, targets?, role?, hit?}) as a sentence;
 * `roles` maps ids to roles, `name` and `names` say who is who. */
export function assassinationText(a, roles, name, names) {
  if (!a) return "";
  const roleOf = (id) => (roles || {})[String(id)];
  const labelOf = (id) => (roleOf(id) ? roleLabel(roleOf(id)) : t("over.unknown"));
  const targets = a.targets || [a.target];
  const assassin = name(a.assassin);
  if (!a.as || a.as === "merlin") {
    const role = roleOf(a.target);
    const hit = role === "merlin" || role === "merlin_pure";
    return t(hit ? "over.assassinHit" : "over.assassinMiss", { assassin, target: name(a.target), role: labelOf(a.target) });
  }
  if (a.as === "lovers") {
    const who = targets.map(labelOf).join(t("list.comma"));
    return t(a.hit ? "over.loversHit" : "over.loversMiss", { assassin, targets: names(targets), roles: who });
  }
  if (a.as === "guinevere") {
    return t(a.hit ? "over.guinevereHit" : "over.guinevereMiss", { assassin, target: name(a.target), role: labelOf(a.target) });
  }
  const cleric = targets[0];
  if (targets.length < 2) {
    if (roleOf(cleric) === "cleric") return t("over.clericFound", { assassin, target: name(cleric) });
    return t("over.clericMiss", { assassin, target: name(cleric), role: labelOf(cleric) });
  }
  const second = targets[1];
  return t(a.hit ? "over.clericRoleHit" : "over.clericRoleMiss", {
    assassin, cleric: name(cleric), target: name(second), named: roleLabel(a.role), role: labelOf(second),
  });
}
