/**
 * Lync / Skype for Business Backup Service pairing rules, shared by the app and the agent (which
 * checks the pairing before any sync): the Backup Service restores conference content only from
 * the paired Front End pool that still holds it (docs/reference/onprem-commands.md).
 */

/** What a sync's answer says about the pairing: a `NotPaired` refusal names both pools. */
export function notPaired(where: { poolFqdn: string; lostPoolFqdn: string }, backupPoolFqdn: string | null) {
  return {
    code: 'NotPaired',
    message: `${where.poolFqdn} and ${where.lostPoolFqdn} are not a Front End pool pair (${where.poolFqdn} is ${
      backupPoolFqdn === null ? 'paired with no pool' : `paired with ${backupPoolFqdn}`
    }): the Backup Service restores conference content only from the paired pool that still holds it`,
  };
}

/** Whether `backupPoolFqdn` (the pool `Get-CsPoolBackupRelationship` names) is the lost pool. */
export function isPairedWith(backupPoolFqdn: string | null, lostPoolFqdn: string): boolean {
  return backupPoolFqdn !== null && backupPoolFqdn.toLowerCase() === lostPoolFqdn.toLowerCase();
}
