import { useState } from "preact/hooks";
import { asIpcError, backend } from "../backend";
import type { FaceAuthOutcome } from "../bindings/FaceAuthOutcome";
import type { RevealedIdentity } from "../bindings/RevealedIdentity";
import { regionLabel } from "../labels";
import "./IdentityCard.css";

/** Who is at the counter. Masked; 显示 reveals (and is audited). `his`: the HIS started the scan. */
export function IdentityCard({ visit, his = false }: { visit: FaceAuthOutcome; his?: boolean }) {
  const [full, setFull] = useState<RevealedIdentity | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const id = visit.identity;
  const toggle = async () => {
    if (full) return setFull(null);
    try {
      setFull(await backend.revealIdentity(visit.visitId));
    } catch (e) {
      setErr(asIpcError(e).message);
    }
  };
  return (
    <section class={his ? "card identity his" : "card identity"} id="identity">
      <div class="name-row">
        <span class="name" id="identity-name">{full?.userName ?? id.userName}</span>
        <span class="chip">{id.gender ?? "—"}</span>
        <span class="chip" id="identity-age">{full?.ageLabel ?? id.ageLabel ?? (id.age !== null ? `${id.age}岁` : "—")}</span>
        {visit.credential === "qrcode" && (
          <span class="chip credential" id="credential-badge" title="以医保电子凭证（医保码）核验身份">医保码</span>
        )}
        <button type="button" class="link" id="reveal" onClick={toggle}>{full ? "隐藏" : "显示"}</button>
      </div>
      <dl>
        <dt>证件号</dt>
        <dd id="identity-id" class="id-no">{full?.idNo ?? id.idNo}</dd>
        <dt>证件类型</dt>
        <dd>{id.idType ?? "—"}</dd>
        <dt>参保地</dt>
        <dd>{regionLabel(id.insuOrg)}</dd>
      </dl>
      {err && <div class="warn">{err}</div>}
    </section>
  );
}
