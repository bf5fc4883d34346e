import { Schema } from 'effect'
import type { Actor, Address, Context, PeerSignal, TimerTag } from './actor.ts'
import { liarOf, type LieContext, type Liar } from './byzantine.ts'
import { COMPONENT_NAME, PROTOCOL_ID, type Component } from './component.ts'
import type { ComputeOutcome, ComputeTag } from './compute.ts'
import { ScopedContext, unscopeTag, type Routed } from './scoped-context.ts'

/** Why a set of components cannot form a node: a clear error at construction, never at run time. */
export class CompositionError extends Error {
  override readonly name = 'CompositionError'
}

/**
 * Several components (core/component.ts) run as one actor: the node's. It starts them in the order
 * given, routes each message to the component whose protocol it carries (`{ p, m }`, decoded through
 * that component's inbox before it arrives), each timer to the component that armed it, and every
 * runtime signal to every component that takes signals. Each component sees its own ScopedContext
 * (core/scoped-context.ts), made once per incarnation at `start`.
 */
export class Composite implements Actor<Routed>, Liar {
  readonly inbox: Schema.Decoder<Routed>
  private readonly byProtocol = new Map<string, Component>()
  private readonly byName = new Map<string, Component>()
  private readonly contexts = new Map<Component, ScopedContext>()
  private outer: Context | undefined

  constructor(readonly components: readonly Component[]) {
    for (const component of components) this.admit(component)
    const routes = [...this.byProtocol].map(([protocol, component]) => Schema.Struct({ p: Schema.Literal(protocol), m: component.inbox as Schema.Codec<unknown> }))
    const [first, ...rest] = routes
    // A node with no protocol receives nothing: its inbox refuses every message.
    this.inbox = (first === undefined ? Schema.Never : rest.length === 0 ? first : Schema.Union(routes)) as Schema.Decoder<Routed>
  }

  /** The component named `name` (for tests and tools; components reach each other by injection). */
  component<C extends Component>(name: string): C | undefined {
    return this.byName.get(name) as C | undefined
  }

  start(ctx: Context): void {
    this.outer = ctx
    this.contexts.clear()
    for (const component of this.components) {
      const scoped = new ScopedContext(ctx, component.name, component.protocol)
      this.contexts.set(component, scoped)
      component.start?.(scoped)
    }
  }

  receive(message: Routed, from: Address, ctx: Context): void {
    const component = this.byProtocol.get(message.p)!
    component.receive!(message.m, from, this.contextOf(component, ctx))
  }

  timer(tag: TimerTag, ctx: Context): void {
    const [component, scoped, own] = this.ownerOf(tag, ctx, 'timer')
    component.timer?.(own, scoped)
  }

  computed(tag: ComputeTag, outcome: ComputeOutcome, ctx: Context): void {
    const [component, scoped, own] = this.ownerOf(tag, ctx, 'computation')
    component.computed?.(own, outcome, scoped)
  }

  /** A component's lie (core/byzantine.ts) about what it sends, under its protocol as on the wire. */
  lie(message: unknown, to: Address, lies: LieContext): unknown {
    const routed = message as Partial<Routed>
    const liar = typeof routed.p === 'string' ? liarOf(this.byProtocol.get(routed.p)) : undefined
    const lied = liar?.lie(routed.m, to, lies)
    return lied === undefined ? undefined : { p: routed.p, m: lied }
  }

  signal(signal: PeerSignal, ctx: Context): void {
    for (const component of this.components) component.signal?.(signal, this.contextOf(component, ctx))
  }

  // Components keep the context their start got, so every input must come through that same one.
  private contextOf(component: Component, ctx: Context): ScopedContext {
    if (ctx !== this.outer) throw new Error('a composite gets one context per incarnation: start(ctx) was called with another')
    return this.contexts.get(component)!
  }

  // The component whose ScopedContext made `tag` (a timer's or a computation's), that context, and the
  // component's own tag.
  private ownerOf(tag: TimerTag | ComputeTag, ctx: Context, what: string): [Component, ScopedContext, TimerTag] {
    const name = unscopeTag(tag)?.component
    const component = name === undefined ? undefined : this.byName.get(name)
    if (component === undefined) throw new Error(`${what} ${String(tag)} belongs to no component of this node`)
    const scoped = this.contextOf(component, ctx)
    return [component, scoped, scoped.takeTag(tag)!]
  }

  private admit(component: Component): void {
    const { name, protocol } = component
    if (!COMPONENT_NAME.test(name)) throw new CompositionError(`component name '${name}' must match ${COMPONENT_NAME}`)
    if (this.byName.has(name)) throw new CompositionError(`two components are named '${name}'`)
    this.byName.set(name, component)
    if (protocol === undefined) return // nothing reaches it from the network; other components call it
    if (!PROTOCOL_ID.test(protocol)) throw new CompositionError(`protocol id '${protocol}' of '${name}' must match ${PROTOCOL_ID}`)
    if (component.inbox === undefined || component.receive === undefined) throw new CompositionError(`component '${name}' has protocol '${protocol}' but no inbox and receive`)
    const holder = this.byProtocol.get(protocol)
    if (holder !== undefined) throw new CompositionError(`components '${holder.name}' and '${name}' both take protocol '${protocol}'`)
    this.byProtocol.set(protocol, component)
  }
}
