/**
 * The live picture of the hromada: one socket.io connection whose events are applied in place to
 * reactive snapshots fetched over REST, so pages follow changes without reloading.
 *
 * Villages, devices and services are kept here for the whole session. Alerts and outages are read
 * through feeds that a page opens with its own filter; the socket's events go to every open feed.
 */
import type { Socket } from 'socket.io-client';
import { SvelteMap } from 'svelte/reactivity';
import { get } from 'svelte/store';
import type {
  AckResponse,
  AlertItem,
  AlertsResponse,
  ClientToServerEvents,
  Coverage,
  DeviceSummary,
  DevicesResponse,
  HromadaInfo,
  OutageItem,
  OutagesResponse,
  ServerToClientEvents,
  ServiceSummary,
  ServicesResponse,
  StateEvent,
  VillageSummary,
  VillagesResponse,
} from '../../../common/api.ts';
import { serviceIdOf } from '../../../common/subjects.ts';
import { request, sendToLogin, withQuery } from './api.ts';
import { fmt, t, useHromadaDefaults } from './i18n.ts';
import { session } from './session.svelte.ts';

/** Last RTT, loss and traffic of the devices on screen. */
const DEVICES_EVERY_MS = 30_000;
/** Screen readers hear a burst of changes (an uplink taking its village down) as one message. */
const ANNOUNCE_AFTER_MS = 1500;
const ANNOUNCE_AT_MOST = 3;
const FEED_LIMIT = 500;

type LiveSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** What a snapshot of the hromada is read from. */
const PARTS = ['hromada', 'villages', 'devices', 'services'] as const;
type Part = (typeof PARTS)[number];

/** Resolves once the DOM as it is now has been painted (at once on a hidden page, which paints nothing). */
function afterNextPaint(): Promise<void> {
  return new Promise((resolve) => {
    if (document.hidden) setTimeout(resolve, 0);
    // A frame's callbacks run before its paint; a task queued from one runs after it.
    else requestAnimationFrame(() => setTimeout(resolve, 0));
  });
}

class Live {
  connected = $state(false);
  hromada = $state.raw<HromadaInfo | null>(null);
  villages = $state.raw<VillageSummary[]>([]);
  /** Hromada-wide coverage, as the server computed it: read with the villages, then replaced by each `coverage` event. */
  total = $state.raw<Coverage | null>(null);
  services = $state.raw<ServiceSummary[]>([]);
  readonly devices = new SvelteMap<string, DeviceSummary>();
  /** The first snapshot has arrived. */
  loaded = $state(false);
  error = $state.raw<unknown>(null);
  /** The latest text for the polite live region. */
  announcement = $state('');

  villageById = $derived(new Map(this.villages.map((village) => [village.id, village])));

  readonly #feeds: { [K in FeedKind]: Set<Feed<K>> } = { alert: new Set(), outage: new Set() };
  #socket: LiveSocket | null = null;
  /** The current start(), until stop(). */
  #run: { stopped: boolean } | null = null;
  /** The parts not yet read since start(). */
  #unread = new Set<Part>(PARTS);
  /** Snapshots being read; socket events wait for them in #held, then apply on top. */
  #reading = 0;
  #held: (() => void)[] = [];
  #toAnnounce: string[] = [];
  #announceTimer: ReturnType<typeof setTimeout> | undefined;

  start(): void {
    if (this.#run) return;
    const run = (this.#run = { stopped: false });
    this.#unread = new Set(PARTS);
    // The overview's first picture needs the hromada and the villages alone, which the page carries (lib/api.ts).
    // The socket (its code too), the devices (the largest answer by far) and the services wait until that picture is
    // on screen, so that their work does not delay it; the socket first, so that it misses no change to what follows.
    const readTheRest = () => this.#readParts([...this.#unread]);
    void this.#readParts(['hromada', 'villages'])
      .then(afterNextPaint)
      .then(() => (run.stopped ? null : import('socket.io-client')))
      .then(
        (client) => {
          if (!client || run.stopped) return;
          this.#connect(client.io({ withCredentials: true }));
          void readTheRest();
        },
        (error: unknown) => {
          if (run.stopped) return;
          // No live updates without the socket's code (the server was updated, the network is down): the data is
          // read still, and the error stays shown.
          void readTheRest().then(() => (this.error ??= error));
        },
      );
  }

  stop(): void {
    if (this.#run) this.#run.stopped = true;
    this.#run = null;
    this.#socket?.disconnect();
    this.#socket = null;
    this.connected = false;
    // A read begun before the session was known fails with 401 when there was none: not an error to show after sign-in.
    this.error = null;
  }

  refresh(): Promise<void> {
    return this.#readParts(PARTS);
  }

  #connect(socket: LiveSocket): void {
    let connectedBefore = false;
    socket.on('connect', () => {
      this.connected = true;
      // What happened while the connection was down was never sent: read it all again.
      if (connectedBefore) {
        void this.refresh();
        for (const feeds of Object.values(this.#feeds)) feeds.forEach((feed) => feed.reload());
      }
      connectedBefore = true;
    });
    socket.on('disconnect', (reason) => {
      this.connected = false;
      // The server hangs up on sessions that ended; socket.io then stays down. Asking for the session
      // either leads to the login page (401) or shows it is still good, and the socket comes back.
      if (reason === 'io server disconnect')
        void request('GET', '/api/session').then(
          () => socket.connect(),
          () => undefined,
        );
    });
    socket.on('connect_error', (error) => {
      this.connected = false;
      if (error.message === 'unauthorized') sendToLogin();
    });
    socket.on('state', (event) => this.#whenRead(() => this.#applyState(event)));
    socket.on('village', (village) => this.#whenRead(() => this.#applyVillage(village)));
    socket.on('coverage', (total) => this.#whenRead(() => (this.total = total)));
    socket.on('alert', (alert) => this.#feeds.alert.forEach((feed) => feed.apply(alert)));
    socket.on('outage', (outage) => this.#feeds.outage.forEach((feed) => feed.apply(outage)));
    socket.on('inventory', () => void this.refresh());
    // Villages need no polling: the server sends a village again whenever its figures move (clients, uptime).
    this.#socket = socket;
  }

  /** Reads parts of the snapshot, each shown as soon as it arrives; `loaded` once every part has been read. */
  async #readParts(parts: readonly Part[]): Promise<void> {
    try {
      await this.#read(() => Promise.all(parts.map((part) => this.#loadPart(part).then(() => this.#unread.delete(part)))));
      this.error = null;
      if (this.#unread.size === 0) this.loaded = true;
    } catch (error) {
      this.error = error;
    }
  }

  #loadPart(part: Part): Promise<unknown> {
    switch (part) {
      case 'hromada':
        return request<HromadaInfo>('GET', '/api/hromada').then((hromada) => {
          this.hromada = hromada;
          useHromadaDefaults(hromada);
        });
      case 'villages':
        return this.#loadVillages();
      case 'devices':
        return this.#loadDevices();
      case 'services':
        return request<ServicesResponse>('GET', '/api/services').then((response) => (this.services = response.services));
    }
  }

  /** Keeps the devices of one village fresh while a page shows them; returns the stop function. */
  watchVillageDevices(village: string): () => void {
    const load = () => void this.#read(() => this.#loadDevices(village)).catch(() => undefined);
    load();
    const timer = setInterval(load, DEVICES_EVERY_MS);
    return () => clearInterval(timer);
  }

  /** Acknowledges an alert's episode and shows it acknowledged at once, without waiting for the socket. */
  async acknowledge(alert: AlertItem): Promise<void> {
    const response = await request<AckResponse>('POST', '/api/alerts/ack', { target: alert.id });
    const acked = { by: session.info?.user.username ?? '', at: Date.now() };
    const targets = new Set([alert.id, alert.key, ...response.acknowledged]);
    const mark = (item: AlertItem) => (!item.acked && (targets.has(item.id) || targets.has(item.key)) ? { ...item, acked } : item);
    this.#feeds.alert.forEach((feed) => feed.update(mark));
  }

  follow<K extends FeedKind>(kind: K, feed: Feed<K>): () => void {
    const feeds: Set<Feed<K>> = this.#feeds[kind];
    feeds.add(feed);
    return () => feeds.delete(feed);
  }

  async #read<T>(load: () => Promise<T>): Promise<T> {
    this.#reading++;
    try {
      return await load();
    } finally {
      if (--this.#reading === 0) this.#held.splice(0).forEach((apply) => apply());
    }
  }

  #whenRead(apply: () => void): void {
    if (this.#reading > 0) this.#held.push(apply);
    else apply();
  }

  async #loadVillages(): Promise<void> {
    const response = await request<VillagesResponse>('GET', '/api/villages');
    this.villages = response.villages;
    this.total = response.total;
  }

  async #loadDevices(village?: string): Promise<void> {
    const response = await request<DevicesResponse>('GET', withQuery('/api/devices', { village }));
    const fresh = new Set(response.devices.map((device) => device.id));
    for (const [id, device] of this.devices)
      if ((village === undefined || device.village === village) && !fresh.has(id)) this.devices.delete(id);
    for (const device of response.devices) this.devices.set(device.id, device);
  }

  #applyState(event: StateEvent): void {
    const change = { state: event.state, since: event.since, reason: event.reason };
    const id = serviceIdOf(event.subject);
    if (id !== undefined) {
      const before = this.services.find((service) => service.id === id);
      if (!before) return;
      this.services = this.services.map((service) => (service === before ? { ...service, ...change } : service));
      if (before.state !== event.state) this.#announce(before.name, get(fmt).state(event.state));
      return;
    }
    const before = this.devices.get(event.subject);
    if (!before) return;
    this.devices.set(before.id, { ...before, ...change, cause: event.cause });
    if (before.state !== event.state) this.#announce(before.name, get(fmt).state(event.state));
  }

  #applyVillage(village: VillageSummary): void {
    const before = this.villageById.get(village.id);
    this.villages = before ? this.villages.map((v) => (v === before ? village : v)) : [...this.villages, village];
    if (before?.state !== village.state) this.#announce(village.name, get(t)(`vstate.${village.state}`));
  }

  #announce(name: string, state: string): void {
    const tr = get(t);
    this.#toAnnounce.push(tr('announce.change', { name, state }));
    this.#announceTimer ??= setTimeout(() => {
      const all = this.#toAnnounce;
      const shown = all.slice(0, ANNOUNCE_AT_MOST).join('; ');
      this.announcement = all.length > ANNOUNCE_AT_MOST ? `${shown}; ${tr('announce.more', { n: all.length - ANNOUNCE_AT_MOST })}` : shown;
      this.#toAnnounce = [];
      this.#announceTimer = undefined;
    }, ANNOUNCE_AFTER_MS);
  }
}

export const live = new Live();

type FeedItems = { alert: AlertItem; outage: OutageItem };
type FeedResponses = { alert: AlertsResponse; outage: OutagesResponse };
type FeedKind = keyof FeedItems;

const FEEDS: {
  [K in FeedKind]: {
    read: (response: FeedResponses[K]) => FeedItems[K][];
    merge: (list: FeedItems[K][], item: FeedItems[K]) => FeedItems[K][];
  };
} = {
  alert: { read: (response) => response.alerts, merge: mergeAlert },
  outage: { read: (response) => response.outages, merge: mergeOutage },
};

/**
 * A list of alerts or outages that a page reads with its own filter: loaded over REST whenever the
 * filter changes, then kept current from the socket. Create it while a component initialises.
 */
export class Feed<K extends FeedKind> {
  items = $state.raw<FeedItems[K][]>([]);
  loaded = $state(false);
  error = $state.raw<unknown>(null);
  #version = $state(0);
  #keep: (item: FeedItems[K]) => boolean = () => true;
  /** Items that arrive while the list is being read wait here. */
  #held: FeedItems[K][] | null = null;

  constructor(
    private readonly kind: K,
    source: () => { path: string; keep: (item: FeedItems[K]) => boolean },
  ) {
    $effect(() => {
      const { path, keep } = source();
      void this.#version;
      this.#keep = keep;
      this.#held = [];
      const controller = new AbortController();
      request<FeedResponses[K]>('GET', path, undefined, controller.signal).then(
        (response) => {
          this.items = FEEDS[this.kind].read(response);
          this.error = null;
          this.loaded = true;
          (this.#held ?? []).forEach((item) => this.#merge(item));
          this.#held = null;
        },
        (error: unknown) => {
          if (!controller.signal.aborted) this.error = error;
        },
      );
      const unfollow = live.follow(this.kind, this);
      return () => {
        controller.abort();
        unfollow();
      };
    });
  }

  apply(item: FeedItems[K]): void {
    if (this.#held) this.#held.push(item);
    else this.#merge(item);
  }

  update(change: (item: FeedItems[K]) => FeedItems[K]): void {
    this.items = this.items.map(change).filter(this.#keep);
  }

  reload(): void {
    this.#version++;
  }

  #merge(item: FeedItems[K]): void {
    this.items = FEEDS[this.kind].merge(this.items, item).filter(this.#keep).slice(0, FEED_LIMIT);
  }
}

export function alertFeed(filter: () => { village?: string | undefined; active?: boolean }): Feed<'alert'> {
  return new Feed('alert', () => {
    const { village, active } = filter();
    return {
      path: withQuery('/api/alerts', { village, active: active || undefined, limit: FEED_LIMIT }),
      keep: (alert) => (!village || alert.village?.id === village) && (!active || alert.active),
    };
  });
}

export function outageFeed(filter: () => { village?: string | undefined; device?: string | undefined; open?: boolean }): Feed<'outage'> {
  return new Feed('outage', () => {
    const { village, device, open } = filter();
    return {
      path: withQuery('/api/outages', { village, device, open: open || undefined, limit: FEED_LIMIT }),
      keep: (outage) =>
        (!village || outage.village === village) && (!device || outage.subject === device) && (!open || outage.end === null),
    };
  });
}

/** A new log entry goes on top; it also tells whether its episode is still going on and acknowledged. */
function mergeAlert(list: AlertItem[], alert: AlertItem): AlertItem[] {
  const episode = list.map((item) =>
    item.key === alert.key && item.id !== alert.id ? { ...item, active: alert.active, acked: item.acked ?? alert.acked } : item,
  );
  return replaceOrPrepend(episode, alert, (item) => item.id === alert.id);
}

/** An outage is sent when it begins and again when it ends. */
function mergeOutage(list: OutageItem[], outage: OutageItem): OutageItem[] {
  return replaceOrPrepend(list, outage, (item) => item.subject === outage.subject && item.start === outage.start);
}

function replaceOrPrepend<T>(list: T[], item: T, same: (existing: T) => boolean): T[] {
  const at = list.findIndex(same);
  return at < 0 ? [item, ...list] : list.with(at, item);
}
