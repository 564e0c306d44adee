/** The oblast dashboard (`merezha central`): the second entry of the web, beside the hromada's. */
import { mount } from 'svelte';
import OblastApp from './OblastApp.svelte';
import '../app.css';

mount(OblastApp, { target: document.getElementById('app')! });
