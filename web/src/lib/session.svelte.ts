import type { SessionInfo } from '../../../common/api.ts';

/** Who is logged in; `checked` turns true once the server has been asked. */
export const session = $state<{ info: SessionInfo | null; checked: boolean }>({ info: null, checked: false });

export const isAdmin = (): boolean => session.info?.user.role === 'admin';
