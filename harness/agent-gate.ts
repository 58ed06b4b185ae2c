// --agent-gate for one job: the proxy to the key holder's agent and the job's GNUPGHOME pointing at it, made before
// the first attempt and removed after the last. The proxy's requests are decided by the job like the shim's.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentProxy, type AgentGate } from '../agent-gate/agent-proxy.js';
import { keyAgent, makeJobHome, type JobHome } from '../agent-gate/job-home.js';
import { HarnessError, describeError } from './harness-error.js';

export interface OpenAgentGate {
  keyHome: string;
  proxySocket: string;
  /** The command's GNUPGHOME. */
  jobHome: string;
  close(): Promise<void>;
}

export async function openAgentGate(keyHome: string, gate: AgentGate): Promise<OpenAgentGate> {
  let agent;
  try {
    agent = keyAgent(keyHome);
  } catch (err) {
    throw new HarnessError('agent', `the agent gate: ${describeError(err)}`, { cause: err });
  }
  // mkdtemp makes it 0700: the proxy socket and the job's home are the supervisor's alone.
  const dir = mkdtempSync(join(tmpdir(), 'gpg-gate-agent-'));
  const proxySocket = join(dir, 'S.gpg-agent');
  let proxy: AgentProxy | null = null;
  let home: JobHome;
  try {
    // The key holder's agent may be stopped or restarted during a long job: it is started again on demand.
    const relaunch = () => keyAgent(agent.keyHome);
    proxy = await AgentProxy.listen({ path: proxySocket, upstream: agent.socket, gate, relaunch });
    home = makeJobHome(agent.keyHome, join(dir, 'home'), proxySocket);
  } catch (err) {
    await proxy?.close();
    rmSync(dir, { recursive: true, force: true });
    throw new HarnessError('agent', `the agent gate: ${describeError(err)}`, { cause: err });
  }
  const listening = proxy;
  return {
    keyHome: agent.keyHome,
    proxySocket,
    jobHome: home.home,
    async close() {
      await listening.close();
      home.remove();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
