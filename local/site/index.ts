// The simulated on-premises site and a real agent in front of it: test and `npm start`
// infrastructure, never part of the deployed agent (which has only the PowerShell executor).
export { SimulatedSite, simulatedSiteSchema, type SimulatedSiteDescription } from './simulated';
export { createSimulatedExecutor, simulatedSiteFromJson } from './executor';
export { startLocalSite, DEMO_SITE, type LocalSite, type LocalSiteOptions } from './agent';
