// The returns page (issue 21): token, quarter, template, upload, result.
import * as api from './api.js';
import {h, replace} from './dom.js';

const main = document.getElementById('main');
replace(main, h('h1', {id: 'page-h'}, 'Send a quarterly return'), h('p', {}, api.token() ? '' : 'Paste your token.'));
